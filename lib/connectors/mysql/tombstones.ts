import type { ResultSetHeader, RowDataPacket } from 'mysql2';
import type { PoolConnection } from 'mysql2/promise';
import type { Value } from '../../mapping/values';
import { keyText } from '../keys';
import type { DeleteResult, Key } from '../types';
import type { MysqlColumn } from './catalog';
import type { MysqlContext } from './context';
import { decodeColumn } from './decode';
import { encodeLiteral, textLiteral } from './encode';
import { candidateJoin, candidateTable, keyHash } from './candidates';
import { keyIn, keyOfRaw, selectRaw } from './read';
import { quoteId } from './sql';

/**
 * One row per deleted key of a versioned table, with the version the delete removed, as the
 * PostgreSQL connector keeps them (lib/connectors/pg/tombstones.ts): a guarded write at or below
 * it is refused. `entity` is database.table; the key is found by the sha256 of its JSON text (a
 * key of any length fits a primary key), the version kept as text and compared as the version
 * column's type.
 */
const CREATE = `create table if not exists switchyard_tombstones (
  entity varchar(255) not null,
  key_hash binary(32) not null,
  key_json longtext not null,
  version varchar(255) not null,
  deleted_at timestamp(6) not null default current_timestamp(6),
  primary key (entity, key_hash)) character set utf8mb4 collate utf8mb4_bin`;

export async function ensureTombstones(conn: PoolConnection): Promise<void> {
  await conn.query(CREATE);
}

/** The type a version's text is cast to, so that it compares as the column does. */
export function castType(c: MysqlColumn): string {
  if (['tinyint', 'smallint', 'mediumint', 'int', 'bigint', 'year'].includes(c.type)) return c.unsigned ? 'unsigned' : 'signed';
  if (c.type === 'decimal') return `decimal(${c.precision}, ${c.scale})`;
  if (c.type === 'float' || c.type === 'double') return 'double';
  if (c.type === 'date') return 'date';
  if (c.type === 'datetime' || c.type === 'timestamp') return 'datetime(6)';
  return 'binary';
}

export const entityLiteral = (ctx: MysqlContext) => textLiteral(ctx.table.qualified);

/** SQL condition: a tombstone of key hash `hash` at version `version` (SQL) or newer exists. */
export function tombstoned(ctx: MysqlContext, version: MysqlColumn, hash: string, versionSql: string): string {
  return `exists (select 1 from switchyard_tombstones z where z.entity = ${entityLiteral(ctx)} and z.key_hash = ${hash}
    and cast(z.version as ${castType(version)}) >= ${versionSql})`;
}

/**
 * After a guarded write, in its transaction: removes the rows it wrote that a delete committed
 * meanwhile has tombstoned (an insert of a key absent when the write decided). Returns how many.
 */
export async function removeTombstoned(conn: PoolConnection, ctx: MysqlContext, keys: Key[]): Promise<number> {
  const version = ctx.version;
  if (!version || !keys.length) return 0;
  const [rows] = await conn.query<Array<{ i: number } & RowDataPacket>>(
    `select c.i from ${candidateTable(
      ctx,
      keys.map((key) => ({ key })),
    )} join ${ctx.table.sql} t on ${candidateJoin(ctx, 't')}
      where ${tombstoned(ctx, version, 'c.h', `t.${quoteId(version.name)}`)}`,
  );
  const covered = rows.map((r) => keys[Number(r.i)]);
  if (covered.length) await conn.query(`delete from ${ctx.table.sql} where ${keyIn(ctx, covered)}`);
  return covered.length;
}

/** An unguarded write is the truth about its keys (a re-created record may carry a lower version): their tombstones go. */
export async function clearTombstones(conn: PoolConnection, ctx: MysqlContext, keys: Key[]): Promise<void> {
  if (!ctx.version || !keys.length) return;
  await conn.query(`delete from switchyard_tombstones where entity = ${entityLiteral(ctx)} and key_hash in (${keys.map(keyHash).join(', ')})`);
}

/**
 * Deletes keys and records their tombstones in one transaction, as the PostgreSQL connector does:
 * rows locked first, so each tombstone records the version removed; with `upTo`, a newer row is
 * kept and reported, and every key's tombstone records `upTo`.
 */
export async function deleteWithTombstones(conn: PoolConnection, ctx: MysqlContext, keys: Key[], upTo: Value | null | undefined): Promise<DeleteResult> {
  const version = ctx.version;
  const zone = ctx.options.zone;
  const guarded = version !== undefined && upTo !== undefined;
  const bound = guarded && upTo !== null ? encodeLiteral(version, upTo, zone) : null;
  const v = version ? `t.${quoteId(version.name)}` : 'null';
  const removable = guarded ? (bound === null ? '0' : `coalesce(${v} <= cast(${bound} as ${castType(version)}), 0)`) : '1';
  const rows = await selectRaw(
    conn,
    ctx,
    `select ${ctx.key.map((k) => `t.${quoteId(k.name)}`).join(', ')}, ${v} as switchyard_version, ${removable} as switchyard_removable
       from ${ctx.table.sql} t where ${keyIn(ctx, keys, 't')} for update`,
  );
  const gone = rows.filter((r) => String(r.switchyard_removable) === '1');
  const kept = rows.filter((r) => String(r.switchyard_removable) !== '1').map((r) => keyOfRaw(ctx, r));
  const goneKeys = gone.map((r) => keyOfRaw(ctx, r));
  let deleted = 0;
  if (goneKeys.length) {
    const [result] = await conn.query<ResultSetHeader>(`delete from ${ctx.table.sql} where ${keyIn(ctx, goneKeys)}`);
    deleted = result.affectedRows;
  }
  if (version) {
    // Guarded: every key is tombstoned at upTo, also one absent here, so a late older write is refused.
    const stones: Array<[Key, string]> = guarded
      ? bound === null
        ? []
        : keys.map((k) => [k, `cast(${bound} as char)`])
      : gone.filter((r) => r.switchyard_version !== null).map((r, i) => [goneKeys[i], textLiteral(String(r.switchyard_version))]);
    await writeTombstones(conn, ctx, version, stones);
  }
  const removedVersion =
    version && gone.length === 1 && gone[0].switchyard_version !== null ? decodeColumn(version, gone[0].switchyard_version, zone) : undefined;
  return { deleted, kept, ...(removedVersion !== undefined ? { removedVersion } : {}) };
}

/** Upserts tombstones (key and version as SQL text), keeping the newer version of two. */
async function writeTombstones(conn: PoolConnection, ctx: MysqlContext, version: MysqlColumn, stones: Array<[Key, string]>): Promise<void> {
  if (!stones.length) return;
  const t = castType(version);
  const values = stones.map(([key, v]) => `(${entityLiteral(ctx)}, ${keyHash(key)}, ${textLiteral(keyText(key))}, ${v})`);
  // deleted_at before version: assignments see the values set before them.
  await conn.query(
    `insert into switchyard_tombstones (entity, key_hash, key_json, version) values ${values.join(', ')}
     on duplicate key update deleted_at = if(cast(version as ${t}) < cast(values(version) as ${t}), current_timestamp(6), deleted_at),
       version = if(cast(version as ${t}) < cast(values(version) as ${t}), values(version), version)`,
  );
}
