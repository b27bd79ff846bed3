import type { ChangeCapture } from '../cdc/capture';
import type { ResolvedConnection } from '../connections';
import type { EntityMapping, Row } from '../mapping/entity';
import type { EntitySpec, MigrationSpec, SideSpec } from '../spec/schema';
import type { EntityConnector, MappedRecord } from './types';

/**
 * What the rest of the product knows about a database engine. Each engine lives in its own folder
 * under lib/connectors/ and exports one of these; lib/connectors/engines.ts lists them. Nothing
 * outside an engine's folder asks which engine it is talking to.
 */
export interface Engine {
  /** Stable name, in reports, history and connector identity: 'postgres', 'mongodb', … */
  readonly kind: string;
  /** Product name for messages: 'PostgreSQL'. */
  readonly product: string;
  /** URL schemes (lower case) of the connections this engine serves. */
  readonly schemes: readonly string[];
  /** The spec field that names an entity's stored object on this engine. */
  readonly stores: 'table' | 'collection';
  /**
   * The engine's change stream for `"sync": "cdc"` when it is the source; absent: the engine has
   * none. Loaded on first use: a capture opens connectors itself, which import this registry.
   */
  readonly changeCapture?: () => Promise<ChangeCapture>;
  open(side: OpenSide): EntityConnector;
  /** What preflight proves about a connection: reading and writing where the migration does. */
  probe(conn: ResolvedConnection, database?: string): Promise<ProbeFacts>;
  /** Blockers about the server rather than one entity (settings, dialects), for this spec and role. */
  serverBlockers?(spec: MigrationSpec, role: 'source' | 'target', conn: ResolvedConnection): Promise<string[]>;
  /** Checks one entity's stored objects on this side; what `plan` reports about them. */
  planSide?(check: PlanSide): Promise<SidePlan>;
}

/** Everything an engine needs to open one side of an entity. */
export interface OpenSide {
  entity: EntitySpec;
  side: 'source' | 'target';
  sideSpec: SideSpec;
  conn: ResolvedConnection;
  mapping: EntityMapping;
  /** The stored object's name (the spec field the engine `stores`). */
  name: string;
  /** Key fields as stored on this side. */
  storedKey: string[];
  /** Key fields of the mapped record (same values, position by position). */
  recordKey: string[];
  version?: string;
  /** This side keeps the entity's embedded arrays in child tables (the other side is a document store). */
  embeds: boolean;
  toRecord(row: Row): MappedRecord;
  fromRecord(record: MappedRecord): Row;
  /** What a quarantine entry of a row that failed to map keeps: the fields the spec maps. */
  quarantined<T>(row: Record<string, T>): Record<string, T>;
}

export interface PlanSide {
  spec: MigrationSpec;
  entity: EntitySpec;
  mapping: EntityMapping;
  side: 'source' | 'target';
  sideSpec: SideSpec;
  conn: ResolvedConnection;
  name: string;
  /** Fields this side must hold (a target: what the source carries, known once the source side is checked). */
  fields: string[];
}

export interface SidePlan {
  blockers: string[];
  /** What works but deserves the user's attention (a case-insensitive key collation), with what the tool does about it. */
  warnings?: string[];
  indexes: string[];
  /** A source's stored fields when the engine's catalog lists them; they become the target's requirement. */
  fields?: string[];
}

/** Preflight's findings about one connection; a failed read or write is a reason, not an exception. */
export interface ProbeFacts {
  product: string;
  serverVersion?: string;
  user?: string;
  database?: string;
  schema?: string;
  readError?: string;
  writeError?: string;
}
