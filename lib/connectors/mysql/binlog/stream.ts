import { createHash } from 'node:crypto';
import type { Pool as PgPool } from 'pg';
import type { RowDataPacket } from 'mysql2';
import type { PoolConnection } from 'mysql2/promise';
import { addCounters, applyEntityChanges } from '../../../cdc/apply';
import type { CdcRef } from '../../../cdc/capture';
import { cdcNames } from '../../../cdc/names';
import { SlotLostError } from '../../../cdc/slot';
import { EMPTY_COUNTERS, SlotBusyError, Stream, StreamOptions } from '../../../cdc/stream';
import { saveStreamPosition, streamPosition } from '../../../control/stream-positions';
import { resolveConnection } from '../../engines';
import { openSource, openTarget } from '../../open';
import type { EntityConnector } from '../../types';
import { mysqlPool } from '../pool';
import { binlogChanges } from './changes';
import { awaitCommitted } from './committed';
import { binlogEnd, binlogFiles, BinlogPosition, bytesBetween, formatPosition, parsePosition } from './position';
import { BinlogReader } from './reader';
import { watchedSources } from './watched';

/** The server's "could not read the binlog at the requested position" (ER_MASTER_FATAL_ERROR_READING_BINLOG). */
const BINLOG_UNREADABLE = 1236;

/**
 * The migration's binlog stream: from the position saved in the control store, read whole
 * transactions, re-read and apply the records they touched, then save the position past them.
 * A named lock (GET_LOCK) on a source session makes it the stream's only consumer, as the
 * PostgreSQL stream's advisory lock does.
 */
export async function openBinlogStream(ref: CdcRef, control: PgPool, options: StreamOptions): Promise<Stream> {
  const conn = resolveConnection(ref.spec.source.connection);
  const pool = mysqlPool(conn);
  const lockName = cdcNames(ref.migrationId).slot;
  const lock = await pool.getConnection();
  let reader: BinlogReader | undefined;
  try {
    const [[{ locked }]] = await lock.query<RowDataPacket[]>('select get_lock(?, 0) as locked', [lockName]);
    if (Number(locked) !== 1) throw new SlotBusyError(`the binlog stream ${lockName} is being consumed by another stream (a previous attempt still finishing)`);
    const saved = await streamPosition(control, ref.migrationId);
    if (!saved)
      throw new SlotLostError(
        `migration ${ref.migrationId} has no binlog position in the control store (torn down); roll back to preflight to copy again, or abort`,
      );
    // A purged file is not checked here: the server refuses the dump with error 1236, below.
    let position = parsePosition(saved);
    const watched = await watchedSources(pool, ref.spec);
    const tables = new Map<string, Set<string>>();
    for (const qualified of watched.keys()) {
      const dot = qualified.indexOf('.');
      const db = qualified.slice(0, dot);
      tables.set(db, (tables.get(db) ?? new Set()).add(qualified.slice(dot + 1)));
    }
    const open = new BinlogReader({ conn, serverId: serverIdOf(ref.migrationId), from: position, tables });
    reader = open;
    const sides = new Map<string, { source: EntityConnector; target: EntityConnector }>();
    const sidesOf = (entity: string) => {
      if (!sides.has(entity)) sides.set(entity, { source: openSource(ref.spec, entity), target: openTarget(ref.spec, entity) });
      return sides.get(entity)!;
    };
    const counters = { ...EMPTY_COUNTERS, ...options.counters };
    return {
      names: cdcNames(ref.migrationId),
      // The reader has handed the batch over: a step that fails must end the stream (cdcStream
      // does), and the next one reads again from the saved position.
      async step(maxMessages, progress) {
        const { end, serverNowMs } = await binlogEnd(pool);
        const { batch, caughtUp } = await open.take(maxMessages, end).catch((err) => {
          throw errnoOf(err) === BINLOG_UNREADABLE ? purged(ref, position, err as Error) : err;
        });
        const first = formatPosition(position);
        for (const [entity, changes] of binlogChanges(batch, watched)) {
          const w = [...watched.values()].find((x) => x.entity === entity)!;
          await awaitCommitted(
            pool,
            w,
            [...changes.keys.values()].map((t) => t.key),
          );
          const { source, target } = sidesOf(entity);
          addCounters(counters, await applyEntityChanges(source, target, changes, progress, { first, resume: options.resume }));
        }
        // Only now, after the target has every change of the batch: a kill before this re-delivers it.
        if (batch.length) {
          position = batch[batch.length - 1].position;
          if (!(await saveStreamPosition(control, ref.migrationId, formatPosition(position))))
            throw new SlotLostError(`the binlog position of migration ${ref.migrationId} was removed while the stream ran (torn down)`);
        }
        counters.transactions += batch.filter((t) => t.changes.length).length;
        const oldest = batch.find((t) => t.changes.length || t.ddl.length);
        return {
          ...counters,
          position: formatPosition(position),
          lagBytes: bytesBetween(await binlogFiles(pool), position, end),
          lagSeconds: oldest ? Math.max(0, serverNowMs - oldest.timestampMs) / 1000 : 0,
          retainedBytes: 0,
          caughtUp,
          warnings: [...new Set(batch.flatMap((t) => t.ddl))].map((d) => `DDL on a migrating table seen in the binlog (not applied to the target): ${d}`),
        };
      },
      async close() {
        await open.close();
        await release(lock, lockName);
      },
    };
  } catch (err) {
    await reader?.close();
    await release(lock, lockName);
    throw err;
  }
}

/** A binlog position the server no longer has: the changes after it are gone, so the stream stops for a human. */
function purged(ref: CdcRef, at: BinlogPosition, cause?: Error): SlotLostError {
  return new SlotLostError(
    `binlog position ${formatPosition(at)} of migration ${ref.migrationId} is no longer on the source (binlog purged: ` +
      `binlog_expire_logs_seconds / expire_logs_days or PURGE BINARY LOGS) before the stream read it${cause ? ` (${(cause as { context?: Error }).context?.message ?? cause.message})` : ''}; ` +
      `the changes since are lost, nothing after it was applied: roll back to preflight to copy again from a new position, or abort; ` +
      `keep binlogs longer than the backfill and any pause of the stream`,
  );
}

/** The server's error number, also when the client re-emitted the error wrapped (ERR_UNHANDLED_ERROR's context). */
function errnoOf(err: unknown): number | undefined {
  const e = err as { errno?: number; context?: { errno?: number } };
  return e.errno ?? e.context?.errno;
}

/** A replica id per migration: a restarted stream's dump session replaces its dead predecessor's on the server. */
function serverIdOf(migrationId: string): number {
  return 1_000_000 + (createHash('sha256').update(migrationId).digest().readUInt32BE(0) % 1_000_000_000);
}

/** Unlocks explicitly (a retry may open at once), then destroys the session: no lock stays in the pool. */
async function release(lock: PoolConnection, name: string): Promise<void> {
  await lock.query('select release_lock(?)', [name]).catch(() => undefined);
  lock.destroy();
}
