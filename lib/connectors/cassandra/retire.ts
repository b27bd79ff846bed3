import type { Client } from 'cassandra-driver';
import { RETIRED_MARK, retiredByMark } from '../retired-name';
import type { RetiredName } from '../types';
import { qualified } from './schema';

/**
 * Decommission of a Cassandra table, which cannot be renamed: retiring prefixes the table's
 * comment with `[switchyard-retired=<tag>]` (the comment it had is kept after it), a restore
 * removes the prefix, and a drop drops only a table carrying it (docs/phases.md, "Decommission").
 */
const MARKED = new RegExp(`^\\[${RETIRED_MARK}=([^\\]]*)\\] ?`);

export async function retireTable(client: Client, keyspace: string, table: string, tag: string): Promise<RetiredName[]> {
  const comment = await tableComment(client, keyspace, table);
  const mark = MARKED.exec(comment)?.[1];
  if (mark !== undefined && mark !== tag) throw new Error(`Cassandra table ${keyspace}.${table} is already retired by migration ${mark}`);
  if (mark === undefined) await setComment(client, keyspace, table, `[${RETIRED_MARK}=${tag}] ${comment}`.trimEnd());
  return [retiredByMark(table, tag)];
}

export async function restoreTable(client: Client, keyspace: string, table: string, tag: string): Promise<RetiredName[]> {
  const comment = await tableComment(client, keyspace, table);
  if (MARKED.exec(comment)?.[1] === tag) await setComment(client, keyspace, table, comment.replace(MARKED, ''));
  return [retiredByMark(table, tag)];
}

export async function dropRetiredTable(client: Client, keyspace: string, table: string, tag: string): Promise<RetiredName[]> {
  const comment = await tableComment(client, keyspace, table).catch(() => '');
  if (MARKED.exec(comment)?.[1] !== tag) return [];
  await client.execute(`DROP TABLE IF EXISTS ${qualified({ keyspace, table })}`);
  return [retiredByMark(table, tag)];
}

async function tableComment(client: Client, keyspace: string, table: string): Promise<string> {
  const row = (
    await client.execute('SELECT comment FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?', [keyspace, table], { prepare: true })
  ).first();
  if (!row) throw new Error(`Cassandra table ${keyspace}.${table} does not exist`);
  return (row.comment as string | null) ?? '';
}

async function setComment(client: Client, keyspace: string, table: string, comment: string): Promise<void> {
  await client.execute(`ALTER TABLE ${qualified({ keyspace, table })} WITH comment = '${comment.replace(/'/g, "''")}'`);
}
