import { ConnectionConfigError, ResolvedConnection } from '../connections';
import { engineFor, ENGINES, resolveConnection } from '../connectors/engines';
import { openSource } from '../connectors/open';
import { ConnectionReport, probeConnection } from '../connectors/probe';
import { compileMapping } from '../mapping/entity';
import { redactSecrets } from '../redact';
import type { EntitySpec, MigrationSpec, SideSpec } from '../spec/schema';
import { changeCaptureBlockers } from './server-blockers';
import { namedSourceFields, targetFields } from './spec-columns';

/** What preflight learned about one entity. Plain data: it may go into workflow history. */
export interface EntityPlan {
  entity: string;
  source: string;
  target: string;
  key: string[];
  version?: string;
  estimatedRows?: number;
  indexes: string[];
  blockers: string[];
}

/** Where preflight proved reading and writing: the database names a grant may be limited to. */
export type CheckedConnection = { role: string; connection: string } & Pick<ConnectionReport, 'database' | 'canRead' | 'canWrite'>;

export interface MigrationPlan {
  connections: CheckedConnection[];
  entities: EntityPlan[];
  /** Blockers that are not about one entity (connections, wal_level). */
  blockers: string[];
}

/** Every blocker, one line each, naming what is wrong and where. */
export function allBlockers(plan: MigrationPlan): string[] {
  return [...plan.blockers, ...plan.entities.flatMap((e) => e.blockers.map((b) => `entity ${e.entity}: ${b}`))];
}

/**
 * Checks a spec against the real databases without changing anything: tables, columns, keys,
 * versions, permissions, server capabilities. Run by `switchyard plan` through a worker (activities/plan-checks.ts).
 */
export async function planMigration(spec: MigrationSpec): Promise<MigrationPlan> {
  const plan: MigrationPlan = { connections: [], entities: [], blockers: [] };
  const source = await reachable(spec.source, 'source', plan);
  const target = await reachable(spec.target, 'target', plan);
  if (source) {
    plan.blockers.push(...changeCaptureBlockers(spec, { name: source.name, engine: engineFor(source) }, ENGINES));
    plan.blockers.push(...((await engineFor(source).serverBlockers?.(spec, 'source', source)) ?? []));
  }
  if (target) plan.blockers.push(...((await engineFor(target).serverBlockers?.(spec, 'target', target)) ?? []));
  for (const entity of spec.entities) plan.entities.push(await planEntity(spec, entity, source, target));
  return plan;
}

async function planEntity(spec: MigrationSpec, entity: EntitySpec, source?: ResolvedConnection, target?: ResolvedConnection): Promise<EntityPlan> {
  const mapping = compileMapping(entity);
  const plan: EntityPlan = {
    entity: entity.name,
    source: describeSide(spec.source, source, entity.from),
    target: describeSide(spec.target, target, entity.to),
    key: mapping.sourceKey,
    version: mapping.sourceVersion,
    indexes: [],
    blockers: [],
  };
  const check = async (conn: ResolvedConnection, side: 'source' | 'target', fields: string[]) => {
    const engine = engineFor(conn);
    const sideSpec = side === 'source' ? spec.source : spec.target;
    const name = (side === 'source' ? entity.from : entity.to)[engine.stores];
    if (!name) {
      plan.blockers.push(
        `${side} ${conn.name} is ${engine.product}, which stores ${engine.stores}s: name one in the entity's ${side === 'source' ? 'from' : 'to'}.${engine.stores}`,
      );
      return undefined;
    }
    if (!engine.planSide) return undefined;
    const found = await engine.planSide({ spec, entity, mapping, side, sideSpec, conn, name, fields });
    plan.blockers.push(...found.blockers);
    plan.indexes.push(...found.indexes);
    return found;
  };
  // What a record carries into the target: every source field when the catalog lists them, else what the spec names.
  let sourceFields = [...mapping.sourceKey, ...(mapping.sourceVersion ? [mapping.sourceVersion] : []), ...namedSourceFields(entity)];
  const fromSource = source && (await check(source, 'source', namedSourceFields(entity)));
  if (fromSource?.fields?.length) sourceFields = fromSource.fields;
  if (target) await check(target, 'target', targetFields(mapping, sourceFields));
  if (!plan.blockers.length && source) {
    plan.estimatedRows = await openSource(spec, entity.name)
      .estimate()
      .catch(() => undefined);
  }
  return plan;
}

async function reachable(side: SideSpec, role: string, plan: MigrationPlan): Promise<ResolvedConnection | undefined> {
  const { blockers } = plan;
  let conn: ResolvedConnection;
  try {
    conn = resolveConnection(side.connection);
  } catch (err) {
    if (!(err instanceof ConnectionConfigError)) throw err;
    blockers.push(`${role}: ${err.message}`);
    return undefined;
  }
  // The write probe goes where the migration writes; a source database is only read, so it is left alone.
  const report = await probeConnection(conn, role === 'target' ? side.database : undefined);
  plan.connections.push({ role, connection: conn.name, database: report.database, canRead: report.canRead, canWrite: report.canWrite });
  if (!report.canRead) {
    // No canRead at all means the probe never got an answer; false means it connected and was refused.
    const what = report.canRead === undefined ? 'is not reachable' : 'cannot be read';
    blockers.push(`${role} ${conn.name} (${conn.redacted}) ${what}: ${redactSecrets(report.error ?? 'unknown error')}`);
    return undefined;
  }
  if (role === 'target' && !report.canWrite) blockers.push(`target ${conn.name}: no write permission (${redactSecrets(report.error ?? 'write probe failed')})`);
  return conn;
}

function describeSide(side: SideSpec, conn: ResolvedConnection | undefined, store: { table?: string; collection?: string }): string {
  const where = store.table ?? `${side.database}.${store.collection}`;
  return `${conn?.kind ?? 'unresolved'} ${side.connection} ${where}`;
}
