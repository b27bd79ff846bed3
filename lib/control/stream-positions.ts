import type { Pool } from 'pg';
import { ensureControlSchema } from './schema';

/**
 * Where a CDC stream resumes, for a source that keeps no cursor of ours (a MySQL binlog position
 * "file:offset"; PostgreSQL keeps it in the slot). Saved only after the target has applied every
 * change before it, so a worker killed at any point re-delivers from the last saved position:
 * at-least-once, harmless because the apply writes the source's current state, version-guarded.
 */
export async function recordStartPosition(pool: Pool, migrationId: string, position: string): Promise<string> {
  await ensureControlSchema(pool);
  // An existing position is kept: a retried prepare must not skip what the stream has not applied.
  await pool.query(`INSERT INTO switchyard.stream_positions (migration_id, position) VALUES ($1, $2) ON CONFLICT (migration_id) DO NOTHING`, [
    migrationId,
    position,
  ]);
  return (await streamPosition(pool, migrationId))!;
}

export async function streamPosition(pool: Pool, migrationId: string): Promise<string | undefined> {
  await ensureControlSchema(pool);
  const { rows } = await pool.query<{ position: string }>(`SELECT position FROM switchyard.stream_positions WHERE migration_id = $1`, [migrationId]);
  return rows[0]?.position;
}

/** After the apply, never before it. False when the position was removed (torn down): a stream never recreates it. */
export async function saveStreamPosition(pool: Pool, migrationId: string, position: string): Promise<boolean> {
  const { rowCount } = await pool.query(`UPDATE switchyard.stream_positions SET position = $2, at = now() WHERE migration_id = $1`, [migrationId, position]);
  return rowCount === 1;
}

export async function dropStreamPosition(pool: Pool, migrationId: string): Promise<boolean> {
  await ensureControlSchema(pool);
  const { rowCount } = await pool.query(`DELETE FROM switchyard.stream_positions WHERE migration_id = $1`, [migrationId]);
  return (rowCount ?? 0) > 0;
}
