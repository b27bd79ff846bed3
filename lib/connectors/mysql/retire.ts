import type { RowDataPacket } from 'mysql2';
import type { Pool } from 'mysql2/promise';
import { retiredName } from '../retired-name';
import type { RetiredName } from '../types';
import { quoteTable } from './sql';

/** MySQL and MariaDB identifiers hold 64 characters. */
const MAX_IDENTIFIER = 64;

function retiredOf(table: string, tag: string): RetiredName {
  const parts = table.split('.');
  const retired = retiredName(parts[parts.length - 1], tag, MAX_IDENTIFIER);
  return { name: table, retiredAs: parts.length > 1 ? `${parts[0]}.${retired}` : retired };
}

async function exists(pool: Pool, table: string): Promise<boolean> {
  const [db, name] = table.includes('.') ? table.split('.', 2) : [null, table];
  const [rows] = await pool.query<RowDataPacket[]>('select 1 from information_schema.tables where table_schema = coalesce(?, database()) and table_name = ?', [
    db,
    name,
  ]);
  return rows.length > 0;
}

/** One RENAME TABLE moves every table at once (it is atomic), or none. */
async function rename(pool: Pool, pairs: Array<[string, string]>): Promise<void> {
  if (pairs.length) await pool.query(`rename table ${pairs.map(([a, b]) => `${quoteTable(a)} to ${quoteTable(b)}`).join(', ')}`);
}

/** Retire (name → retired name) or restore (back); what is already where it goes is left alone. */
async function move(pool: Pool, tables: string[], tag: string, direction: 'retire' | 'restore'): Promise<RetiredName[]> {
  const names = tables.map((t) => retiredOf(t, tag));
  const pairs: Array<[string, string]> = [];
  for (const n of names) {
    const [from, to] = direction === 'retire' ? [n.name, n.retiredAs] : [n.retiredAs, n.name];
    if (await exists(pool, from)) pairs.push([from, to]);
  }
  await rename(pool, pairs);
  return names;
}

export const retireTables = (pool: Pool, tables: string[], tag: string) => move(pool, tables, tag, 'retire');
export const restoreTables = (pool: Pool, tables: string[], tag: string) => move(pool, tables, tag, 'restore');

/** Drops only what retire renamed, without CASCADE semantics of any kind. */
export async function dropRetiredTables(pool: Pool, tables: string[], tag: string): Promise<RetiredName[]> {
  const dropped: RetiredName[] = [];
  for (const n of tables.map((t) => retiredOf(t, tag)).reverse()) {
    if (!(await exists(pool, n.retiredAs))) continue;
    await pool.query(`drop table ${quoteTable(n.retiredAs)}`);
    dropped.unshift(n);
  }
  return dropped;
}
