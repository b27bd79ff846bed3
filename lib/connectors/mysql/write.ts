import type { ResultSetHeader, RowDataPacket } from 'mysql2';
import type { PoolConnection } from 'mysql2/promise';
import { FidelityError } from '../../mapping/errors';
import type { Row } from '../../mapping/entity';
import { keyOfRecord, keyText } from '../keys';
import { quarantineEntry } from '../quarantine-entry';
import type { Key, MappedRecord, QuarantineEntry, WriteOptions, WriteResult } from '../types';
import { candidatesCollide, candidateTable, collationJoin } from './candidates';
import type { MysqlColumn } from './catalog';
import type { MysqlContext } from './context';
import { encodeLiteral } from './encode';
import { keyExpr, quoteId } from './sql';
import { castType, clearTombstones, removeTombstoned, tombstoned } from './tombstones';

interface Encoded {
  record: MappedRecord;
  key: Key;
  /** Column → SQL literal; a column the record leaves out is absent (it gets its default). */
  values: Map<string, string>;
}

interface Decision {
  present: boolean;
  /** The stored key differs from the record's only under the collation ('a' stored, 'A' written). */
  collides?: string;
  newer: boolean;
  tombstoned: boolean;
}

/**
 * Upserts a batch with the PostgreSQL connector's semantics (pg/write.ts): a record replaces its
 * row (a field it lacks gets the column's default); under the version guard only a strictly newer
 * version replaces a stored row and a deleted key comes back only above its tombstone; without
 * the guard the batch is the truth and its keys' tombstones go; `existingOnly` inserts nothing.
 * One statement decides every key of the batch (rows locked), one INSERT … ON DUPLICATE KEY UPDATE
 * writes the chosen records and repeats the guard, for a row inserted by someone else meanwhile.
 * A record whose key matches a stored key only under a case- or accent-insensitive collation is
 * quarantined: writing it would overwrite another record.
 */
export async function writeRecords(
  conn: PoolConnection,
  ctx: MysqlContext,
  records: MappedRecord[],
  options: Required<Pick<WriteOptions, 'versionGuard'>> & WriteOptions,
): Promise<WriteResult & { rejected: QuarantineEntry[] }> {
  const { versionGuard } = options;
  const encoded: Encoded[] = [];
  const rejected: QuarantineEntry[] = [];
  const reject = (record: MappedRecord, reason: string) =>
    rejected.push(quarantineEntry(ctx.options.entity, keyOfRecord(record, ctx.options.recordKey), reason, record));
  for (const record of records) {
    try {
      encoded.push({ record, key: keyOfRecord(record, ctx.options.recordKey), values: encodeRow(ctx, ctx.options.fromRecord(record)) });
    } catch (err) {
      if (!(err instanceof FidelityError)) throw err;
      reject(record, err.message);
    }
  }
  if (!encoded.length) return { written: 0, skipped: 0, quarantined: rejected.length, rejected };
  const below = options.replaceEqual ? '<=' : '<';
  const decisions = await decide(conn, ctx, encoded, below);
  const guardedByVersion = versionGuard && !!ctx.version;
  const chosen: Encoded[] = [];
  encoded.forEach((e, i) => {
    const d = decisions[i];
    if (d.collides !== undefined) return reject(e.record, d.collides);
    const write = options.existingOnly
      ? d.present && (!guardedByVersion || d.newer)
      : d.present
        ? !versionGuard || (guardedByVersion && d.newer)
        : !guardedByVersion || !d.tombstoned;
    if (write) chosen.push(e);
  });
  if (chosen.length) await conn.query<ResultSetHeader>(upsertSql(ctx, chosen, versionGuard, below));
  const keys = chosen.map((e) => e.key);
  const undone = guardedByVersion ? await removeTombstoned(conn, ctx, keys) : 0;
  if (!versionGuard) await clearTombstones(conn, ctx, keys);
  const written = chosen.length - undone;
  const quarantined = rejected.length;
  return { written, skipped: records.length - quarantined - written, quarantined, rejected };
}

function encodeRow(ctx: MysqlContext, row: Row): Map<string, string> {
  const out = new Map<string, string>();
  for (const [field, value] of Object.entries(row)) {
    if (value === undefined) continue;
    const column = ctx.table.columns.get(field);
    if (!column) throw new FidelityError(field, `${ctx.table.name} has no column ${field} (map it in "fields", or drop it with null)`);
    // A generated column is the server's to compute; the value read from the source is its result.
    if (column.generated) continue;
    out.set(field, encodeLiteral(column, value, ctx.options.zone));
  }
  for (const c of ctx.table.columns.values()) {
    if (c.notNull && !c.hasDefault && !c.autoIncrement && !c.generated && (out.get(c.name) ?? 'null') === 'null') {
      throw new FidelityError(c.name, `column ${c.name} is NOT NULL but the value is missing or null`);
    }
  }
  return out;
}

/** Each record's key as stored now, locked: present, a collation-only match, newer than stored, under a tombstone. */
async function decide(conn: PoolConnection, ctx: MysqlContext, batch: Encoded[], below: '<' | '<='): Promise<Decision[]> {
  const version = ctx.version;
  const cast = version ? castType(version) : '';
  const candidates = candidateTable(
    ctx,
    batch.map((e) => ({ key: e.key, extra: version ? { v: `cast(${e.values.get(version.name) ?? 'null'} as ${cast})` } : undefined })),
  );
  const tv = version ? `t.${quoteId(version.name)}` : '';
  const exact = ctx.key.map((k, n) => `${keyExpr(k, 't')} = c.b${n}`).join(' and ');
  const [rows] = await conn.query<RowDataPacket[]>(
    `select c.i, t.${quoteId(ctx.key[0].name)} is not null as present, coalesce(${exact}, 0) as exact,
            ${version ? `coalesce(${tv} ${below} c.v or (${tv} is null and c.v is not null), 0)` : '0'} as newer,
            ${version ? `coalesce(${tombstoned(ctx, version, 'c.h', 'c.v')}, 0)` : '0'} as tomb,
            ${ctx.key.map((k) => `t.${quoteId(k.name)} as ${quoteId(`stored_${k.name}`)}`).join(', ')}
       from ${candidates} left join ${ctx.table.sql} t on ${collationJoin(ctx, 't')}
      order by c.i for update`,
  );
  const decisions: Decision[] = batch.map(() => ({ present: false, newer: false, tombstoned: false }));
  // Two records of the batch that are one key under the collation: the first is written.
  const [twins] = await conn.query<RowDataPacket[]>(
    `select c.i, min(d.i) as first from ${candidates} join ${candidateTable(
      ctx,
      batch.map((e) => ({ key: e.key })),
      'd',
    )} on d.i < c.i and ${candidatesCollide(ctx)} group by c.i`,
  );
  for (const r of twins) {
    decisions[Number(r.i)].collides =
      `key ${keyText(batch[Number(r.i)].key)} is the key ${keyText(batch[Number(r.first)].key)} of the same batch under the key's collation (${collations(ctx)}); writing both would keep one`;
  }
  for (const r of rows) {
    const i = Number(r.i);
    const d = decisions[i];
    if (d.collides) continue;
    if (Number(r.present) && !Number(r.exact)) {
      const stored = ctx.key.map((k) => r[`stored_${k.name}`]);
      d.collides = `key ${keyText(batch[i].key)} matches the stored key ${JSON.stringify(stored)} under the key's collation (${collations(ctx)}); writing it would overwrite that row`;
      continue;
    }
    d.present ||= !!Number(r.present);
    d.newer ||= !!Number(r.newer);
    d.tombstoned ||= !!Number(r.tomb);
  }
  return decisions;
}

const collations = (ctx: MysqlContext) => ctx.key.map((k) => k.collation ?? k.decl).join(', ');

/** The written columns: every column the server does not compute. */
function writtenColumns(ctx: MysqlContext): MysqlColumn[] {
  return [...ctx.table.columns.values()].filter((c) => !c.generated);
}

/**
 * INSERT … ON DUPLICATE KEY UPDATE with the guard on every assignment. Assignments run left to
 * right and see the values set before them, so the version column is assigned last: the guard
 * of every other column compares the stored version.
 */
function upsertSql(ctx: MysqlContext, batch: Encoded[], versionGuard: boolean, below: '<' | '<='): string {
  const columns = writtenColumns(ctx);
  const rows = batch.map((e) => `(${columns.map((c) => e.values.get(c.name) ?? 'default').join(', ')})`);
  const isKey = (c: MysqlColumn) => ctx.key.some((k) => k.name === c.name);
  const updated = columns.filter((c) => !isKey(c) && c.name !== ctx.version?.name);
  if (ctx.version) updated.push(ctx.version);
  const v = ctx.version ? quoteId(ctx.version.name) : '';
  const guard = versionGuard && ctx.version ? `${v} ${below} values(${v}) or (${v} is null and values(${v}) is not null)` : versionGuard ? 'false' : '';
  const assign = (c: MysqlColumn) => {
    const q = quoteId(c.name);
    return guard ? `${q} = if(${guard}, values(${q}), ${q})` : `${q} = values(${q})`;
  };
  const k = quoteId(ctx.key[0].name);
  const updates = updated.length ? updated.map(assign).join(', ') : `${k} = ${k}`;
  return `insert into ${ctx.table.sql} (${columns.map((c) => quoteId(c.name)).join(', ')}) values ${rows.join(', ')} on duplicate key update ${updates}`;
}
