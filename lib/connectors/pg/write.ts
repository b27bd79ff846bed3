import type { PoolClient } from 'pg';
import { FidelityError } from '../../mapping/errors';
import type { Row } from '../../mapping/entity';
import { quoteIdent } from '../../sql/identifiers';
import { keyOfRecord } from '../keys';
import { quarantineEntry } from '../quarantine-entry';
import type { MappedRecord, QuarantineEntry, WriteOptions, WriteResult } from '../types';
import type { PgColumn, PgTable } from './catalog';
import type { PgChild, PgContext } from './context';
import { encodeStored, PgInput, rowsToJson } from './encode';
import { RAW_TEXT } from './session';
import { clearTombstones, notTombstoned, removeTombstoned } from './tombstones';

type Encoded = Record<string, PgInput>;

interface EncodedRecord {
  parent: Encoded;
  children: Map<string, Encoded[]>;
}

/**
 * Upserts a batch. A record replaces its row: every column gets what inserting the record alone
 * would store — its value, else the column's default, else NULL — whatever the other records of
 * the batch hold (a field removed at the source clears its column). Columns the database fills
 * (generated, identity, serial) are written only where the record carries them. With the version
 * guard, an existing row is only replaced by a strictly newer version, so a stale backfill batch
 * cannot undo a dual write and a re-run changes nothing, and a deleted row comes back only with a
 * version above its tombstone. Without the guard the batch is the truth: its keys' tombstones are
 * cleared. `existingOnly` updates rows that exist and inserts none. Child rows follow their
 * parent: replaced only when the parent was.
 */
export async function writeRecords(
  client: PoolClient,
  ctx: PgContext,
  records: MappedRecord[],
  options: Required<Pick<WriteOptions, 'versionGuard'>> & WriteOptions,
): Promise<WriteResult & { rejected: QuarantineEntry[] }> {
  const { versionGuard } = options;
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
  const keyNames = ctx.key.map((k) => k.name);
  const written: Record<string, string>[] = [];
  for (const [columns, parents] of byWrittenColumns(
    ctx.table,
    encoded.map((e) => e.parent),
    keyNames,
  )) {
    const names = columns.map((c) => c.name);
    const from = recordsFrom(ctx.table, columns, '$1');
    const { rows } = await client.query<Record<string, string>>({
      text: options.existingOnly
        ? updateSql(ctx, names, versionGuard, from, options.replaceEqual)
        : upsertSql(ctx, names, versionGuard, from, overriding(columns), options.replaceEqual),
      values: [rowsToJson(parents)],
      types: RAW_TEXT,
    });
    written.push(...rows);
  }
  const writtenKeys = written.map((r) => r[keyNames[0]]);
  if (ctx.children.length && writtenKeys.length) {
    for (const child of ctx.children) {
      await replaceChildren(
        client,
        ctx,
        child,
        writtenKeys,
        encoded.flatMap((e) => e.children.get(child.as) ?? []),
      );
    }
  }
  const undone = versionGuard ? await removeTombstoned(client, ctx, written) : 0;
  if (!versionGuard) await clearTombstones(client, ctx, written);
  const count = written.length - undone;
  return { written: count, skipped: encoded.length - count, quarantined: rejected.length, rejected };
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
    children.set(
      as,
      list.map((item) => encodeRow(child.table, { [child.foreignKey.name]: parentKey, ...(item as Row) }, zone, new Map())),
    );
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
    if (c.notNull && !c.hasDefault && !c.computed && (out[c.name] === null || out[c.name] === undefined)) {
      throw new FidelityError(c.name, `column ${c.name} is NOT NULL but the value is missing or null`);
    }
  }
  return out;
}

/**
 * Groups rows by the columns their statement writes: every column the database does not fill,
 * plus the filled ones (identity, serial) a row carries or the key names. Records of one source
 * have one shape, so a batch is nearly always one group.
 */
function byWrittenColumns(table: PgTable, rows: Encoded[], key: string[]): Array<[PgColumn[], Encoded[]]> {
  const groups = new Map<string, [PgColumn[], Encoded[]]>();
  for (const row of rows) {
    const columns = [...table.columns.values()].filter((c) => !c.computed || key.includes(c.name) || (row[c.name] !== undefined && !c.generated));
    const shape = columns.map((c) => c.name).join(',');
    if (!groups.has(shape)) groups.set(shape, [columns, []]);
    groups.get(shape)![1].push(row);
  }
  return [...groups.values()];
}

/**
 * A FROM item with one row per object of the JSON array in parameter `param`, each column as an
 * insert of that object alone would store it: a field the object lacks is the column's default
 * (json's -> is SQL NULL only for a missing key; an explicit null is json 'null'), else NULL.
 */
function recordsFrom(table: PgTable, columns: PgColumn[], param: string): string {
  const exprs = columns.map((c) => {
    const q = quoteIdent(c.name);
    return c.defaultSql === undefined ? `r.${q}` : `case when j.o -> ${quoteLiteral(c.name)} is null then ${c.defaultSql} else r.${q} end as ${q}`;
  });
  return `(select ${exprs.join(', ')} from json_array_elements(${param}::json) as j(o), json_populate_record(null::${table.sql}, j.o) as r)`;
}

/** An identity GENERATED ALWAYS only takes a written value with this clause. */
function overriding(columns: PgColumn[]): boolean {
  return columns.some((c) => c.identityAlways);
}

function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * The one guarded upsert, from any FROM item that yields `columns` (a JSON batch, a staging
 * table), so every write path applies the version guard the same way.
 */
export function upsertSql(ctx: PgContext, columns: string[], versionGuard: boolean, rows: string, overridingSystemValue = false, replaceEqual = false): string {
  const cols = columns.map(quoteIdent).join(', ');
  const keys = ctx.key.map((k) => quoteIdent(k.name));
  const updates = columns.filter((c) => !ctx.key.some((k) => k.name === c)).map((c) => `${quoteIdent(c)} = excluded.${quoteIdent(c)}`);
  let conflict: string;
  if (!updates.length || (versionGuard && !ctx.version)) {
    // Without a version nothing tells old from new, so an existing row is never overwritten.
    conflict = 'do nothing';
  } else {
    const v = ctx.version ? quoteIdent(ctx.version.name) : '';
    const guard = versionGuard ? ` where ${newer(v, 'excluded', replaceEqual)}` : '';
    conflict = `do update set ${updates.join(', ')}${guard}`;
  }
  // A deleted key comes back only with a version above its tombstone (tombstones.ts).
  const live = versionGuard && ctx.version ? ` where ${notTombstoned(ctx, ctx.version, 'r')}` : '';
  const overriding = overridingSystemValue ? ' overriding system value' : '';
  return `insert into ${ctx.table.sql} as t (${cols})${overriding} select ${cols} from ${rows} r${live}
    on conflict (${keys.join(', ')}) ${conflict} returning ${keys.join(', ')}`;
}

/** `alias`'s version replaces the stored row t's under the guard (WriteOptions.replaceEqual: also an equal one). */
function newer(v: string, alias: string, replaceEqual = false): string {
  return `t.${v} ${replaceEqual ? '<=' : '<'} ${alias}.${v} or (t.${v} is null and ${alias}.${v} is not null)`;
}

/** Replaces stored rows only (no insert), under the guard when asked; returns the keys replaced. */
function updateSql(ctx: PgContext, columns: string[], versionGuard: boolean, rows: string, replaceEqual = false): string {
  const keys = ctx.key.map((k) => quoteIdent(k.name));
  const updates = columns.filter((c) => !ctx.key.some((k) => k.name === c)).map((c) => `${quoteIdent(c)} = r.${quoteIdent(c)}`);
  const match = keys.map((k) => `t.${k} = r.${k}`).join(' and ');
  const guard = versionGuard && ctx.version ? ` and (${newer(quoteIdent(ctx.version.name), 'r', replaceEqual)})` : '';
  // Nothing to set (a key-only table): the no-op assignment still reports which keys exist.
  const set = updates.length ? updates.join(', ') : `${keys[0]} = t.${keys[0]}`;
  return `update ${ctx.table.sql} as t set ${set} from ${rows} r where ${match}${guard} returning ${keys.map((k) => `t.${k}`).join(', ')}`;
}

async function replaceChildren(client: PoolClient, ctx: PgContext, child: PgChild, parentKeys: string[], rows: Encoded[]): Promise<void> {
  const fk = quoteIdent(child.foreignKey.name);
  const keyArray = `$1::${ctx.key[0].typeSql}[]`;
  await client.query(`delete from ${child.table.sql} where ${fk} = any(${keyArray})`, [parentKeys]);
  const childKey = [...child.key.map((k) => k.name), child.foreignKey.name];
  for (const [columns, group] of byWrittenColumns(child.table, rows, childKey)) {
    const cols = columns.map((c) => quoteIdent(c.name)).join(', ');
    const overridingClause = overriding(columns) ? ' overriding system value' : '';
    await client.query(
      `insert into ${child.table.sql} (${cols})${overridingClause} select ${cols} from ${recordsFrom(child.table, columns, '$2')} b where b.${fk} = any(${keyArray})`,
      [parentKeys, rowsToJson(group)],
    );
  }
}
