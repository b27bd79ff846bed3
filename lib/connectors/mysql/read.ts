import type { PoolConnection } from 'mysql2/promise';
import type { RowDataPacket, TypeCast } from 'mysql2';
import { FidelityError } from '../../mapping/errors';
import type { Row } from '../../mapping/entity';
import { fromKeyPart, toKeyPart } from '../keys';
import { readWithinBudget, SizeHint } from '../page';
import { quarantineEntry } from '../quarantine-entry';
import type { Key, KeyRange, ReadRequest } from '../types';
import type { TablePage } from '../table-side';
import type { MysqlContext } from './context';
import { decodeColumn, RawValue } from './decode';
import { encodeLiteral, keyLiteral } from './encode';
import { keyComparison, keyExpr, orderBy, quoteId, selectList } from './sql';

export type RawRow = Record<string, RawValue>;

/** Columns as raw text, or bytes for byte columns: the codecs decode by column type (decode.ts). */
export function rawTypeCast(ctx: MysqlContext): TypeCast {
  return (field) => (ctx.table.columns.get(field.name)?.bytes ? field.buffer() : field.string());
}

export async function selectRaw(conn: PoolConnection, ctx: MysqlContext, sql: string): Promise<RawRow[]> {
  const [rows] = await conn.query<RowDataPacket[]>({ sql, typeCast: rawTypeCast(ctx) });
  return rows as RawRow[];
}

/** Key bounds as a WHERE clause of literals, in the byte order of sql.ts's keyExpr. */
export function rangeWhere(ctx: MysqlContext, range: KeyRange & { after?: Key }): string {
  const conds: string[] = [];
  const bound = (key: Key | undefined, op: '>' | '>=' | '<') => {
    if (key) conds.push(keyComparison(ctx.key, op, keyLiterals(ctx, key)));
  };
  bound(range.from, '>=');
  bound(range.to, '<');
  bound(range.after, '>');
  return conds.length ? `where ${conds.join(' and ')}` : '';
}

export function keyLiterals(ctx: MysqlContext, key: Key): string[] {
  if (key.length !== ctx.key.length)
    throw new Error(`key ${JSON.stringify(key)} has ${key.length} parts, ${ctx.options.entity} has ${ctx.key.length} key fields`);
  return ctx.key.map((c, i) => keyLiteral(c, fromKeyPart(key[i]), ctx.options.zone));
}

/**
 * Rows whose key is one of these. The comparison under the column's collation finds them through
 * the primary key; the byte comparison keeps only exact matches ('a' is not 'A', nor 'a ').
 */
export function keyIn(ctx: MysqlContext, keys: Key[], alias = ''): string {
  const ref = (name: string) => `${alias ? `${alias}.` : ''}${quoteId(name)}`;
  const tuple = (items: string[]) => (items.length === 1 ? items[0] : `(${items.join(', ')})`);
  const cols = tuple(ctx.key.map((k) => ref(k.name)));
  const byCollation = keys.map((k) => tuple(ctx.key.map((c, i) => encodeLiteral(c, fromKeyPart(k[i]), ctx.options.zone))));
  const exact = ctx.key.some((c) => keyExpr(c) !== quoteId(c.name));
  const bytes = exact ? ` and ${tuple(ctx.key.map((k) => keyExpr(k, alias)))} in (${keys.map((k) => tuple(keyLiterals(ctx, k))).join(', ')})` : '';
  return `${cols} in (${byCollation.join(', ')})${bytes}`;
}

/**
 * One page in key order, in chunks of LIMIT until the row limit or the byte budget is reached, so
 * a page of large rows never sits in memory whole. The caller holds a consistent snapshot.
 */
export async function readPage(conn: PoolConnection, ctx: MysqlContext, request: ReadRequest, hint: SizeHint): Promise<TablePage> {
  let after = request.after;
  const page = await readWithinBudget(
    async (count) => {
      const where = rangeWhere(ctx, { from: request.from, to: request.to, after });
      const rows = await selectRaw(conn, ctx, `select ${selectList(ctx.table)} from ${ctx.table.sql} ${where} order by ${orderBy(ctx.key)} limit ${count}`);
      if (rows.length) after = keyOfRaw(ctx, rows[rows.length - 1]);
      return rows.map((raw) => ({ raw, bytes: rawSize(raw) }));
    },
    (r) => r.bytes,
    request,
    hint,
  );
  return decodePage(
    ctx,
    page.items.map((r) => r.raw),
    page.bytes,
    page.full,
  );
}

/** These keys' rows, in key order. */
export async function readByKeys(conn: PoolConnection, ctx: MysqlContext, keys: Key[]): Promise<TablePage> {
  const rows = await selectRaw(conn, ctx, `select ${selectList(ctx.table)} from ${ctx.table.sql} where ${keyIn(ctx, keys)} order by ${orderBy(ctx.key)}`);
  return decodePage(
    ctx,
    rows,
    rows.reduce((n, r) => n + rawSize(r), 0),
    false,
  );
}

export function decodePage(ctx: MysqlContext, rows: RawRow[], bytes: number, full: boolean): TablePage {
  const page: TablePage = { records: [], rejected: [], bytes, full };
  for (const raw of rows) {
    try {
      page.records.push(ctx.options.toRecord(decodeRow(ctx, raw)));
    } catch (err) {
      if (!(err instanceof FidelityError)) throw err;
      page.rejected.push(quarantineEntry(ctx.options.entity, keyOfRaw(ctx, raw), err.message, ctx.options.quarantined(raw)));
    }
  }
  if (rows.length) page.lastKey = keyOfRaw(ctx, rows[rows.length - 1]);
  return page;
}

function decodeRow(ctx: MysqlContext, raw: RawRow): Row {
  const row: Row = {};
  for (const c of ctx.table.columns.values()) row[c.name] = decodeColumn(c, raw[c.name], ctx.options.zone);
  return row;
}

export function keyOfRaw(ctx: MysqlContext, raw: RawRow): Key {
  return ctx.key.map((c) => toKeyPart(decodeColumn(c, raw[c.name], ctx.options.zone)));
}

function rawSize(raw: RawRow): number {
  let n = 0;
  for (const v of Object.values(raw)) n += v === null ? 1 : v.length;
  return n;
}
