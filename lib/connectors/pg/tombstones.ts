import { escapeLiteral, PoolClient } from 'pg';
import { quoteIdent } from '../../sql/identifiers';
import type { Value } from '../../mapping/values';
import type { DeleteResult, Key } from '../types';
import type { PgColumn } from './catalog';
import type { PgContext } from './context';
import { keyText } from '../keys';
import { decodeColumn } from './decode';
import { encodeColumn } from './encode';
import { keyOfRaw, keysJson } from './read';
import { RAW_TEXT } from './session';
import { keyIn } from './sql';

type RawRow = Record<string, string | null>;

/**
 * One row per deleted key of a versioned table, with the version the delete removed: a guarded
 * write of that key at or below it is refused, so a backfill page, a late dual write, a copy-back
 * or a CDC re-read taken before the delete cannot bring the row back. `entity` is the table's
 * qualified name, so two tables of one database (a PostgreSQL → PostgreSQL migration) never share
 * tombstones. The version is kept as text and compared as the version column's type. Tombstones
 * are never purged yet: one row per deleted key stays until the migration's tables are dropped.
 */
const CREATE = `create table if not exists switchyard_tombstones (
  entity text not null,
  key jsonb not null,
  version text not null,
  deleted_at timestamptz not null default now(),
  primary key (entity, key))`;

export async function ensureTombstones(client: PoolClient): Promise<void> {
  try {
    await client.query(CREATE);
  } catch (err) {
    // Two sessions creating it at once: one wins, the other sees a duplicate type or relation.
    if (!['23505', '42P07'].includes((err as { code?: string }).code ?? '')) throw err;
  }
}

/** The key as the tombstone stores it, from a row of the table (or of a recordset shaped like it). */
function keyJson(ctx: PgContext, alias: string): string {
  return `jsonb_build_array(${ctx.key.map((k) => `${alias}.${quoteIdent(k.name)}`).join(', ')})`;
}

const entityOf = (ctx: PgContext) => escapeLiteral(ctx.table.sql);

/** SQL condition: row `alias` is not covered by a tombstone of the same or a newer version. */
export function notTombstoned(ctx: PgContext, version: PgColumn, alias: string): string {
  return `not exists (select 1 from switchyard_tombstones z where z.entity = ${entityOf(ctx)} and z.key = ${keyJson(ctx, alias)}
    and z.version::${version.typeSql} >= ${alias}.${quoteIdent(version.name)})`;
}

/**
 * After a guarded write, in its transaction: removes the rows it wrote that a delete committed
 * meanwhile has tombstoned. An INSERT … ON CONFLICT that waited on a concurrent delete's row
 * lock inserts once the delete commits, past the filter its snapshot evaluated; the statement
 * here sees that delete's tombstone. Returns how many were removed.
 */
export async function removeTombstoned(client: PoolClient, ctx: PgContext, keys: RawRow[]): Promise<number> {
  if (!ctx.version || !keys.length) return 0;
  const json = JSON.stringify(keys);
  const covered = `${keyIn(ctx.table, ctx.key, 1, 't')} and not ${notTombstoned(ctx, ctx.version, 't')}`;
  return deleteRows(client, ctx, covered, [json]);
}

/** An unguarded write is the truth about its keys (a re-created record may carry a lower version): their tombstones go. */
export async function clearTombstones(client: PoolClient, ctx: PgContext, keys: RawRow[]): Promise<void> {
  if (!ctx.version || !keys.length) return;
  await client.query(
    `delete from switchyard_tombstones where entity = ${entityOf(ctx)} and key in (select ${keyJson(ctx, 'r')} from json_populate_recordset(null::${ctx.table.sql}, $1::json) r)`,
    [JSON.stringify(keys)],
  );
}

/** The version each key's tombstone records (keyText → decoded version); a table never deleted from has none. */
export async function tombstoneVersions(client: PoolClient, ctx: PgContext, keys: Key[]): Promise<Map<string, Value>> {
  const version = ctx.version;
  if (!version || !keys.length) return new Map();
  const keyCols = ctx.key.map((k) => `r.${quoteIdent(k.name)}`).join(', ');
  try {
    const { rows } = await client.query<RawRow>({
      text: `select ${keyCols}, z.version as switchyard_version from json_populate_recordset(null::${ctx.table.sql}, $1::json) r
        join switchyard_tombstones z on z.entity = ${entityOf(ctx)} and z.key = ${keyJson(ctx, 'r')}`,
      values: [keysJson(ctx, keys)],
      types: RAW_TEXT,
    });
    return new Map(rows.map((r) => [keyText(keyOfRaw(ctx, r)), decodeColumn(version, r.switchyard_version, ctx.options.zone)]));
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return new Map(); // no switchyard_tombstones: nothing was ever deleted here
    throw err;
  }
}

/**
 * Deletes keys and records their tombstones in one transaction. The rows are locked first, so
 * the version each tombstone records is the one removed. With `upTo` (DeleteOptions), a row
 * holding a newer version is kept and reported, and every key's tombstone records `upTo`.
 */
export async function deleteWithTombstones(client: PoolClient, ctx: PgContext, keys: Key[], upTo: Value | null | undefined): Promise<DeleteResult> {
  const version = ctx.version;
  const keyCols = ctx.key.map((k) => quoteIdent(k.name));
  const guarded = version !== undefined && upTo !== undefined;
  const bound = guarded ? encodeColumn(version, upTo, ctx.options.zone) : null;
  const removable = guarded ? `coalesce(t.${quoteIdent(version.name)} <= $2::${version.typeSql}, false)` : 'true';
  const { rows } = await client.query<RawRow>({
    text: `select ${keyCols.map((c) => `t.${c}`).join(', ')}, ${version ? `t.${quoteIdent(version.name)}` : 'null'} as switchyard_version, ${removable}::text as switchyard_removable
      from ${ctx.table.sql} t where ${keyIn(ctx.table, ctx.key, 1, 't')} for update`,
    values: guarded ? [keysJson(ctx, keys), bound] : [keysJson(ctx, keys)],
    types: RAW_TEXT,
  });
  const gone = rows.filter((r) => r.switchyard_removable === 'true');
  const kept = rows.filter((r) => r.switchyard_removable !== 'true').map((r) => keyOfRaw(ctx, r));
  const goneKeys = gone.map((r) => Object.fromEntries(ctx.key.map((c) => [c.name, r[c.name]])));
  const deleted = goneKeys.length ? await deleteRows(client, ctx, keyIn(ctx.table, ctx.key, 1, 't'), [JSON.stringify(goneKeys)]) : 0;
  if (version) {
    // Guarded: every key is tombstoned at upTo, also one absent here, so a late older write is refused.
    const stones = guarded
      ? bound === null
        ? []
        : (JSON.parse(keysJson(ctx, keys)) as RawRow[]).map((k) => ({ ...k, [version.name]: bound as string }))
      : gone
          .filter((r) => r.switchyard_version !== null)
          .map((r) => ({ ...Object.fromEntries(ctx.key.map((c) => [c.name, r[c.name]])), [version.name]: r.switchyard_version }));
    await writeTombstones(client, ctx, version, stones);
  }
  const removedVersion =
    version && gone.length === 1 && gone[0].switchyard_version !== null ? decodeColumn(version, gone[0].switchyard_version, ctx.options.zone) : undefined;
  return { deleted, kept, ...(removedVersion !== undefined ? { removedVersion } : {}) };
}

/** Upserts tombstones (key columns and version, as text), keeping the newer version of two. */
async function writeTombstones(client: PoolClient, ctx: PgContext, version: PgColumn, stones: RawRow[]): Promise<void> {
  if (!stones.length) return;
  const v = quoteIdent(version.name);
  await client.query(
    `insert into switchyard_tombstones (entity, key, version)
     select ${entityOf(ctx)}, ${keyJson(ctx, 'r')}, r.${v}::text from json_populate_recordset(null::${ctx.table.sql}, $1::json) r
     on conflict (entity, key) do update set version = excluded.version, deleted_at = now()
       where switchyard_tombstones.version::${version.typeSql} < excluded.version::${version.typeSql}`,
    [JSON.stringify(stones)],
  );
}

/** Deletes the parent rows matching `where` (alias t) and their embedded children; returns the parents removed. */
async function deleteRows(client: PoolClient, ctx: PgContext, where: string, values: unknown[]): Promise<number> {
  const parentKey = quoteIdent(ctx.key[0].name);
  for (const child of ctx.children) {
    await client.query(
      `delete from ${child.table.sql} where ${quoteIdent(child.foreignKey.name)} in (select t.${parentKey} from ${ctx.table.sql} t where ${where})`,
      values,
    );
  }
  const { rowCount } = await client.query(`delete from ${ctx.table.sql} t where ${where}`, values);
  return rowCount ?? 0;
}
