import { escapeLiteral, PoolClient, QueryResult } from 'pg';
import { quoteIdent } from '../../sql/identifiers';
import { FidelityError } from '../../mapping/errors';
import type { Row } from '../../mapping/entity';
import { fromKeyPart, toKeyPart } from '../keys';
import { readWithinBudget, SizeHint } from '../page';
import { quarantineEntry } from '../quarantine-entry';
import type { Key, KeyRange, ReadRequest } from '../types';
import type { TablePage } from '../table-side';
import type { PgTable } from './catalog';
import type { PgContext } from './context';
import { decodeColumn } from './decode';
import { encodeColumn } from './encode';
import { beginSql, RAW_TEXT } from './session';
import { keyComparison, keyExpr, keyInValues, orderBy, selectList } from './sql';

type RawRow = Record<string, string | null>;

export type Page = TablePage;

/**
 * Key bounds as a WHERE clause plus its parameters (text forms of the key values). `bind` turns
 * one value into SQL; by default a numbered parameter, collected in `params`.
 */
export function rangeWhere(ctx: PgContext, range: KeyRange & { after?: Key }, bind?: (value: unknown) => string) {
  const conds: string[] = [];
  const params: unknown[] = [];
  const toSql = bind ?? ((value: unknown) => `$${params.push(value)}`);
  const bound = (key: Key | undefined, op: '>' | '>=' | '<') => {
    if (key) conds.push(keyComparison(ctx.key, op, keyParams(ctx, key).map(toSql)));
  };
  bound(range.from, '>=');
  bound(range.to, '<');
  bound(range.after, '>');
  return { where: conds.length ? `where ${conds.join(' and ')}` : '', params };
}

/**
 * rangeWhere with the key bounds spliced in as escaped literals of their text forms, for
 * statements that take no parameters (COPY, the simple-protocol DECLARE of readPage).
 */
export function literalRangeWhere(ctx: PgContext, range: KeyRange & { after?: Key }): string {
  return rangeWhere(ctx, range, (value) => escapeLiteral(String(value))).where;
}

export function keyParams(ctx: PgContext, key: Key): unknown[] {
  if (key.length !== ctx.key.length)
    throw new Error(`key ${JSON.stringify(key)} has ${key.length} parts, ${ctx.options.entity} has ${ctx.key.length} key fields`);
  return ctx.key.map((c, i) => encodeColumn(c, fromKeyPart(key[i]), ctx.options.zone));
}

/** Keys as the JSON array keyIn() reads. */
export function keysJson(ctx: PgContext, keys: Key[]): string {
  return JSON.stringify(
    keys.map((k) => {
      const values = keyParams(ctx, k);
      return Object.fromEntries(ctx.key.map((c, i) => [c.name, values[i]]));
    }),
  );
}

/** Cursor names, one per page: the caller's commit closes them, so one transaction may read several pages. */
let cursors = 0;

/**
 * One page in key order through a server-side cursor, fetched in chunks until the limit or the
 * byte budget (parents and their embedded children) is reached, so a page of large rows never
 * sits in memory whole. The caller holds a repeatable-read transaction so children match parents.
 * DECLARE and the first FETCH travel as one simple-protocol query, so a page of small rows costs
 * one round trip as a plain SELECT would; that protocol takes no parameters, so the key bounds go
 * in as escaped literals, as for COPY (direct-page.ts).
 */
export async function readPage(client: PoolClient, ctx: PgContext, request: ReadRequest, hint: SizeHint): Promise<Page> {
  const cursor = `switchyard_page_${++cursors}`;
  const where = literalRangeWhere(ctx, request);
  const declare = `declare ${cursor} no scroll cursor for select ${selectList(ctx.table)} from ${ctx.table.sql} ${where} order by ${orderBy(ctx.key)} limit ${Math.max(1, Math.floor(request.limit))}`;
  let declared = false;
  const page = await readWithinBudget(
    async (count) => {
      const fetch = `fetch ${count} from ${cursor}`;
      const text = declared ? fetch : `${declare}; ${fetch}`;
      declared = true;
      // Two statements give one result each (pg's typings know only the one-statement form).
      const result: QueryResult<RawRow> | QueryResult<RawRow>[] = await client.query<RawRow>({ text, types: RAW_TEXT });
      return withChildren(client, ctx, Array.isArray(result) ? result[1].rows : result.rows);
    },
    (p) => p.bytes,
    request,
    hint,
  );
  return decodePage(ctx, page.items, page.bytes, page.full);
}

/**
 * These keys' rows with their children, in one round trip: the transaction, its pinned settings,
 * the parents' SELECT, one SELECT per child table and the COMMIT travel as one simple-protocol
 * query. One snapshot (repeatable read) holds them all, so children match parents, and a
 * single-key get costs what one SELECT costs instead of three round trips. The simple protocol
 * takes no parameters, so the keys go in as escaped literals. A failing statement leaves
 * the session inside the aborted transaction, hence the rollback before the client goes back.
 */
export async function readByKeys(client: PoolClient, ctx: PgContext, keys: Key[]): Promise<Page> {
  const values = keys.map((k) => keyParams(ctx, k).map((v) => escapeLiteral(String(v))));
  const parentKey = quoteIdent(ctx.key[0].name);
  const selects = [
    `select ${selectList(ctx.table)} from ${ctx.table.sql} where ${keyInValues(ctx.key, values)} order by ${orderBy(ctx.key)}`,
    ...ctx.children.map(
      (child) =>
        `select ${selectList(child.table)} from ${child.table.sql} where ${quoteIdent(child.foreignKey.name)} in (select p.${parentKey} from ${ctx.table.sql} p where ${keyInValues(ctx.key, values, 'p')}) order by ${orderBy([child.foreignKey, ...child.key])}`,
    ),
  ];
  let results: QueryResult<RawRow>[];
  try {
    // Many statements give one result each (pg's typings know only the one-statement form).
    const all: QueryResult<RawRow> | QueryResult<RawRow>[] = await client.query<RawRow>({
      text: `${beginSql('read')}; ${selects.join('; ')}; commit`,
      types: RAW_TEXT,
    });
    results = (Array.isArray(all) ? all : [all]).filter((r) => r.command === 'SELECT');
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  }
  const [parentRows, ...childRows] = results.map((r) => r.rows);
  const parents = attachChildren(ctx, parentRows, childRows);
  return decodePage(
    ctx,
    parents,
    parents.reduce((n, p) => n + p.bytes, 0),
    false,
  );
}

/** A parent row as read, its children's rows (one list per embedded table, ctx.children order), and their size. */
interface RawParent {
  raw: RawRow;
  children: RawRow[][];
  bytes: number;
}

function decodePage(ctx: PgContext, parents: RawParent[], bytes: number, full: boolean): Page {
  const page: Page = { records: [], rejected: [], bytes, full };
  const { zone } = ctx.options;
  for (const { raw, children } of parents) {
    try {
      const row = decodeRow(ctx.table, raw, zone);
      ctx.children.forEach((child, i) => {
        row[child.as] = children[i].map((r) => decodeRow(child.table, r, zone));
      });
      page.records.push(ctx.options.toRecord(row));
    } catch (err) {
      if (!(err instanceof FidelityError)) throw err;
      page.rejected.push(quarantineEntry(ctx.options.entity, keyOfRaw(ctx, raw), err.message, ctx.options.quarantined(raw)));
    }
  }
  if (parents.length) page.lastKey = keyOfRaw(ctx, parents[parents.length - 1].raw);
  return page;
}

function decodeRow(table: PgTable, raw: RawRow, zone: string): Row {
  const row: Row = {};
  for (const c of table.columns.values()) row[c.name] = decodeColumn(c, raw[c.name], zone);
  return row;
}

export function keyOfRaw(ctx: PgContext, raw: RawRow): Key {
  return ctx.key.map((c) => toKeyPart(decodeColumn(c, raw[c.name], ctx.options.zone)));
}

/** These parents with their children's rows (read in the caller's snapshot) and their combined size. */
async function withChildren(client: PoolClient, ctx: PgContext, rows: RawRow[]): Promise<RawParent[]> {
  if (!ctx.children.length || !rows.length) return attachChildren(ctx, rows, []);
  const keyTexts = rows.map((p) => p[ctx.key[0].name]);
  const childRows: RawRow[][] = [];
  for (const child of ctx.children) {
    const { rows: found } = await client.query<RawRow>({
      text: `select ${selectList(child.table)} from ${child.table.sql} where ${keyExpr(child.foreignKey)} = any($1::${child.foreignKey.typeSql}[]) order by ${orderBy([child.foreignKey, ...child.key])}`,
      values: [keyTexts],
      types: RAW_TEXT,
    });
    childRows.push(found);
  }
  return attachChildren(ctx, rows, childRows);
}

/** Groups each child table's rows (ordered by foreign key) under their parents, in ctx.children order, and sums the sizes. */
function attachChildren(ctx: PgContext, rows: RawRow[], childRows: RawRow[][]): RawParent[] {
  const parents = rows.map((raw): RawParent => ({ raw, children: [], bytes: rawSize(raw) }));
  const keyTexts = rows.map((p) => String(p[ctx.key[0].name]));
  ctx.children.forEach((child, c) => {
    const byParent = new Map<string, RawRow[]>(keyTexts.map((k) => [k, []]));
    for (const raw of childRows[c] ?? []) byParent.get(String(raw[child.foreignKey.name]))?.push(raw);
    parents.forEach((p, i) => {
      const list = byParent.get(keyTexts[i])!;
      p.children.push(list);
      for (const r of list) p.bytes += rawSize(r);
    });
  });
  return parents;
}

function rawSize(raw: RawRow): number {
  let n = 0;
  for (const v of Object.values(raw)) n += v === null ? 1 : v.length;
  return n;
}
