import type { PoolClient } from 'pg';
import { pgPool } from '../connectors/clients';
import { resolveConnection } from '../connectors/engines';
import type { MigrationSpec } from '../spec/schema';
import type { ChangeCapture } from './capture';
import { ensureReplicaIdentity, restoreReplicaIdentity } from './identity';
import { cdcNames } from './names';
import { cdcBlockers } from './preflight';
import { dropPublicationAndSlot, ensurePublicationAndSlot } from './slot';
import { openStream } from './stream';
import { watchedTables } from './tables';

/** PostgreSQL's change stream: a pgoutput slot and a publication of the entity tables (docs/cdc.md). */
export const pgCapture: ChangeCapture = {
  blockers: (ref) =>
    withSourceClient(ref.spec, (c) =>
      cdcBlockers(
        c,
        watchedTables(ref.spec).map((t) => t.table),
        cdcNames(ref.migrationId).slot,
      ),
    ),
  // Replica identities first, then the publication, then the slot: the slot then holds every change the backfill might miss.
  prepare: (ref) =>
    withSourceClient(ref.spec, async (client) => {
      const tables = watchedTables(ref.spec);
      const identityChanges = await ensureReplicaIdentity(client, tables, ref.spec.cdc.lockTimeout);
      const start = await ensurePublicationAndSlot(
        client,
        cdcNames(ref.migrationId),
        tables.map((t) => t.table),
      );
      return { start, identityChanges };
    }),
  open: (ref, _control, options) => openStream(ref.migrationId, ref.spec, options),
  teardown: (ref) =>
    withSourceClient(ref.spec, async (client) => {
      const dropped = await dropPublicationAndSlot(client, cdcNames(ref.migrationId));
      await restoreReplicaIdentity(client, ref.identityChanges, ref.spec.cdc.lockTimeout);
      return dropped;
    }),
};

/** Runs work on a session of the spec's source PostgreSQL (where the slot and publication live). */
async function withSourceClient<T>(spec: MigrationSpec, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pgPool(resolveConnection(spec.source.connection)).connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}
