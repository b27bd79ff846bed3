import type { PoolClient } from 'pg';
import { FidelityError } from '../../mapping/errors';
import type { Row } from '../../mapping/entity';
import { quoteIdent } from '../../sql/identifiers';
import { keyOfRecord } from '../keys';
import { quarantineEntry } from '../quarantine-entry';
import type { MappedRecord, QuarantineEntry, WriteResult } from '../types';
import type { PgTable } from './catalog';
import type { PgChild, PgContext } from './context';
import { encodeStored, PgInput, rowsToJson } from './encode';
import { RAW_TEXT } from './session';

type Encoded = Record<string, PgInput>;

interface EncodedRecord {
  parent: Encoded;
  children: Map<string, Encoded[]>;
}

/**
 * Upserts a batch in one statement per table. With the version guard, an existing row is only
 * replaced by a strictly newer version, so a stale backfill batch cannot undo a dual write and a
 * re-run changes nothing. Child rows follow their parent: replaced only when the parent was.
 */
export async function writeRecords(
  client: PoolClient,
  ctx: PgContext,
  records: MappedRecord[],
  versionGuard: boolean,
): Promise<WriteResult & { rejected: QuarantineEntry[] }> {
  const encoded: EncodedRecord[] = [];
  const rejected: QuarantineEntry[] = [];
  for (const record of records) {
    try {
      encoded.push(encodeRecord(ctx, ctx.options.fromRecord(record)));
    } catch (err) {
      if (!(err instanceof FidelityError)) throw err;
      rejected.push(quarantineEntry(ctx.options.entity, keyOfRecord(record, ctx.options.recordKey), err.message, record));
    }
  }
  if (!encoded.length) return { written: 0, skipped: 0, quarantined: rejected.length, rejected };
  const parents = encoded.map((e) => e.parent);
  const { rows } = await client.query<Record<string, string>>({
    text: upsertSql(ctx, columnsOf(parents, ctx.key.map((k) => k.name)), versionGuard, `json_populate_recordset(null::${ctx.table.sql}, $1::json)`),
    values: [rowsToJson(parents)],
    types: RAW_TEXT,
  });
  if (ctx.children.length && rows.length) {
    const writtenKeys = rows.map((r) => r[ctx.key[0].name]);
    for (const child of ctx.children) {
      await replaceChildren(client, ctx, child, writtenKeys, encoded.flatMap((e) => e.children.get(child.as) ?? []));
    }
  }
  return { written: rows.length, skipped: encoded.length - rows.length, quarantined: rejected.length, rejected };
}

function encodeRecord(ctx: PgContext, row: Row): EncodedRecord {
  const { zone } = ctx.options;
  const childFields = new Map(ctx.children.map((c) => [c.as, c]));
  const parent = encodeRow(ctx.table, row, zone, childFields);
  const children = new Map<string, Encoded[]>();
  for (const [as, child] of childFields) {
    const list = row[as];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw new FidelityError(as, `expected an array of ${child.table.name} rows`);
    // The foreign key is the parent's key even when the embedded document leaves it out.
    const parentKey = row[ctx.key[0].name];
    children.set(as, list.map((item) => encodeRow(child.table, { [child.foreignKey.name]: parentKey, ...(item as Row) }, zone, new Map())));
  }
  return { parent, children };
}

function encodeRow(table: PgTable, row: Row, zone: string, skip: Map<string, unknown>): Encoded {
  const out: Encoded = {};
  for (const [field, value] of Object.entries(row)) {
    if (skip.has(field) || value === undefined) continue;
    const column = table.columns.get(field);
    if (!column) throw new FidelityError(field, `${table.name} has no column ${field} (map it in "fields", or drop it with null)`);
    out[field] = encodeStored(column, value, zone);
  }
  for (const c of table.columns.values()) {
    if (c.notNull && !c.hasDefault && (out[c.name] === null || out[c.name] === undefined)) {
      throw new FidelityError(c.name, `column ${c.name} is NOT NULL but the value is missing or null`);
    }
  }
  return out;
}

function columnsOf(rows: Encoded[], always: string[]): string[] {
  const names = new Set(always);
  for (const r of rows) for (const k of Object.keys(r)) names.add(k);
  return [...names];
}

/**
 * The one guarded upsert, from any FROM item that yields `columns` (a JSON batch, a staging
 * table), so every write path applies the version guard the same way.
 */
export function upsertSql(ctx: PgContext, columns: string[], versionGuard: boolean, rows: string): string {
  const cols = columns.map(quoteIdent).join(', ');
  const keys = ctx.key.map((k) => quoteIdent(k.name));
  const updates = columns.filter((c) => !ctx.key.some((k) => k.name === c)).map((c) => `${quoteIdent(c)} = excluded.${quoteIdent(c)}`);
  let conflict: string;
  if (!updates.length || (versionGuard && !ctx.version)) {
    // Without a version nothing tells old from new, so an existing row is never overwritten.
    conflict = 'do nothing';
  } else {
    const v = ctx.version ? quoteIdent(ctx.version.name) : '';
    const guard = versionGuard ? ` where t.${v} < excluded.${v} or (t.${v} is null and excluded.${v} is not null)` : '';
    conflict = `do update set ${updates.join(', ')}${guard}`;
  }
  return `insert into ${ctx.table.sql} as t (${cols}) select ${cols} from ${rows}
    on conflict (${keys.join(', ')}) ${conflict} returning ${keys.join(', ')}`;
}

async function replaceChildren(client: PoolClient, ctx: PgContext, child: PgChild, parentKeys: string[], rows: Encoded[]): Promise<void> {
  const fk = quoteIdent(child.foreignKey.name);
  const keyArray = `$1::${ctx.key[0].typeSql}[]`;
  await client.query(`delete from ${child.table.sql} where ${fk} = any(${keyArray})`, [parentKeys]);
  if (!rows.length) return;
  const cols = columnsOf(rows, [child.foreignKey.name]).map(quoteIdent).join(', ');
  await client.query(
    `insert into ${child.table.sql} (${cols}) select ${cols} from json_populate_recordset(null::${child.table.sql}, $2::json) r where r.${fk} = any(${keyArray})`,
    [parentKeys, rowsToJson(rows)],
  );
}
