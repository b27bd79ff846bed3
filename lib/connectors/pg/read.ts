import type { PoolClient } from 'pg';
import { FidelityError } from '../../mapping/errors';
import type { Row } from '../../mapping/entity';
import { fromKeyPart, toKeyPart } from '../keys';
import { withinBudget } from '../page';
import { quarantineEntry } from '../quarantine-entry';
import type { Key, KeyRange, MappedRecord, QuarantineEntry, ReadRequest } from '../types';
import type { PgContext } from './context';
import { decodeColumn } from './decode';
import { encodeColumn } from './encode';
import { RAW_TEXT } from './session';
import { keyComparison, keyExpr, keyIn, orderBy, selectList } from './sql';

type RawRow = Record<string, string | null>;

export interface Page {
  records: MappedRecord[];
  rejected: QuarantineEntry[];
  bytes: number;
  /** Key of the last row read (also when that row was rejected). */
  lastKey?: Key;
  full: boolean;
}

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

export function keyParams(ctx: PgContext, key: Key): unknown[] {
  if (key.length !== ctx.key.length) throw new Error(`key ${JSON.stringify(key)} has ${key.length} parts, ${ctx.options.entity} has ${ctx.key.length} key fields`);
  return ctx.key.map((c, i) => encodeColumn(c, fromKeyPart(key[i]), ctx.options.zone));
}

/** Keys as the JSON array keyIn() reads. */
export function keysJson(ctx: PgContext, keys: Key[]): string {
  return JSON.stringify(keys.map((k) => {
    const values = keyParams(ctx, k);
    return Object.fromEntries(ctx.key.map((c, i) => [c.name, values[i]]));
  }));
}

/** One page in key order; the caller holds a repeatable-read transaction so children match parents. */
export async function readPage(client: PoolClient, ctx: PgContext, request: ReadRequest): Promise<Page> {
  const { where, params } = rangeWhere(ctx, request);
  const { rows } = await client.query<RawRow>({
    text: `select ${selectList(ctx.table)} from ${ctx.table.sql} ${where} order by ${orderBy(ctx.key)} limit ${Math.max(1, Math.floor(request.limit))}`,
    values: params,
    types: RAW_TEXT,
  });
  return decodePage(client, ctx, rows, request.maxBytes, rows.length >= request.limit);
}

export async function readByKeys(client: PoolClient, ctx: PgContext, keys: Key[]): Promise<Page> {
  const { rows } = await client.query<RawRow>({
    text: `select ${selectList(ctx.table)} from ${ctx.table.sql} where ${keyIn(ctx.table, ctx.key, 1)} order by ${orderBy(ctx.key)}`,
    values: [keysJson(ctx, keys)],
    types: RAW_TEXT,
  });
  return decodePage(client, ctx, rows, undefined, false);
}

async function decodePage(client: PoolClient, ctx: PgContext, rows: RawRow[], maxBytes: number | undefined, full: boolean): Promise<Page> {
  const { taken, bytes } = withinBudget(rows, rawSize, maxBytes);
  const parents = rows.slice(0, taken);
  const children = await readChildren(client, ctx, parents);
  const page: Page = { records: [], rejected: [], bytes, full: full || taken < rows.length };
  const { zone } = ctx.options;
  parents.forEach((raw, i) => {
    const row: Row = {};
    try {
      for (const c of ctx.table.columns.values()) row[c.name] = decodeColumn(c, raw[c.name], zone);
      for (const [as, list] of children) row[as] = list[i];
      page.records.push(ctx.options.toRecord(row));
    } catch (err) {
      if (!(err instanceof FidelityError)) throw err;
      page.rejected.push(quarantineEntry(ctx.options.entity, keyOfRaw(ctx, raw), err.message, raw));
    }
  });
  if (parents.length) page.lastKey = keyOfRaw(ctx, parents[parents.length - 1]);
  return page;
}

export function keyOfRaw(ctx: PgContext, raw: RawRow): Key {
  return ctx.key.map((c) => toKeyPart(decodeColumn(c, raw[c.name], ctx.options.zone)));
}

/** Children of these parents, decoded, as one list per parent (same order as parents). */
async function readChildren(client: PoolClient, ctx: PgContext, parents: RawRow[]): Promise<Map<string, Row[][]>> {
  const out = new Map<string, Row[][]>();
  if (!ctx.children.length || !parents.length) return out;
  const parentKey = ctx.key[0];
  const keyTexts = parents.map((p) => p[parentKey.name]);
  for (const child of ctx.children) {
    const { rows } = await client.query<RawRow>({
      text: `select ${selectList(child.table)} from ${child.table.sql} where ${keyExpr(child.foreignKey)} = any($1::${child.foreignKey.typeSql}[]) order by ${orderBy([child.foreignKey, ...child.key])}`,
      values: [keyTexts],
      types: RAW_TEXT,
    });
    const byParent = new Map<string, Row[]>(keyTexts.map((k) => [String(k), []]));
    for (const raw of rows) {
      const row: Row = {};
      for (const c of child.table.columns.values()) row[c.name] = decodeColumn(c, raw[c.name], ctx.options.zone);
      byParent.get(String(raw[child.foreignKey.name]))?.push(row);
    }
    out.set(child.as, keyTexts.map((k) => byParent.get(String(k))!));
  }
  return out;
}

function rawSize(raw: RawRow): number {
  let n = 0;
  for (const v of Object.values(raw)) n += v === null ? 1 : v.length;
  return n;
}
