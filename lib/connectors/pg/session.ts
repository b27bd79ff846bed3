import type { PoolClient } from 'pg';

/**
 * Text formats depend on session settings, and pooled sessions may carry any of them; every
 * switchyard transaction pins the ones its codecs parse and produce.
 */
const PIN = `set local TimeZone = 'UTC'; set local DateStyle = 'ISO, YMD'; set local IntervalStyle = 'postgres';
set local bytea_output = 'hex'; set local extra_float_digits = 1`;

/** BEGIN with the pinned settings: a read is one snapshot (repeatable read), so children match parents. */
export function beginSql(mode: 'read' | 'write'): string {
  const begin = mode === 'read' ? 'begin isolation level repeatable read read only' : 'begin';
  return `${begin}; ${PIN}`;
}

export async function inTransaction<T>(client: PoolClient, mode: 'read' | 'write', work: () => Promise<T>): Promise<T> {
  await client.query(beginSql(mode));
  try {
    const result = await work();
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  }
}

/** Every column arrives as its text representation; the codecs decode by column type. */
export const RAW_TEXT = { getTypeParser: () => (text: string) => text } as const;
