import type { Pool } from 'pg';
import type { MigrationSpec } from '../spec/schema';
import type { IdentityChange } from './identity';
import type { Stream, StreamOptions } from './stream';

export interface CdcRef {
  migrationId: string;
  spec: MigrationSpec;
}

/** What a prepared capture hands the workflow: where the stream starts, and what teardown must put back. */
export interface CapturePrepared {
  /** The first position the stream delivers after (an LSN, a binlog file:offset). */
  start: string;
  /** Replica identities changed for CDC (PostgreSQL); empty elsewhere. */
  identityChanges: IdentityChange[];
}

/**
 * An engine's change stream as a CDC source (`"sync": "cdc"`), registered on its Engine
 * (lib/connectors/engine.ts). `control` is the control store, where an engine without a
 * server-side cursor (a replication slot) keeps its stream's position.
 */
export interface ChangeCapture {
  /** Why the stream cannot run against this source, as sentences for an operator; empty when it can. */
  blockers(ref: CdcRef): Promise<string[]>;
  /** Fixes the start position before the backfill: every change committed after it is streamed. Idempotent. */
  prepare(ref: CdcRef, control: Pool): Promise<CapturePrepared>;
  /** The stream, resuming where the last acknowledged batch ended. */
  open(ref: CdcRef, control: Pool, options: StreamOptions): Promise<Stream>;
  /** Releases what prepare took (slot, publication, position); idempotent. */
  teardown(ref: CdcRef & { identityChanges: IdentityChange[] }, control: Pool): Promise<{ slotDropped: boolean }>;
}
