import type { Pool } from 'pg';
import type { DataFixture } from '../integration/backfill-fixtures';

/** What compareShop found; a clean end has 0 missing, extra, different and stale. */
export interface ShopComparison {
  rows: number;
  missing: number;
  extra: number;
  different: number;
  /** Users written after the old database stopped taking writes. */
  writtenAfterSwitch: number;
  /** Of those, users the new database holds at an older version than the old one. */
  stale: number;
  examples: { id: number; source?: Comparable; target?: Comparable }[];
}

type Comparable = Record<string, unknown> & { version: number };

/**
 * The e2e test's own comparison of the shop's two databases, independent of switchyard's verify:
 * every PostgreSQL user with its orders against every MongoDB user document. From the `complete`
 * phase on the application writes only the new database, so a user written after that may differ
 * and is not counted as a difference. Which users those are comes from the routers' record
 * (switchyard.written_keys, at or after the first routing version that writes only the new side),
 * and the new side must hold each of them at least as fresh as the old one.
 */
export async function compareShop(f: DataFixture, control: Pool, migrationId: string, old = { users: 'users', orders: 'orders' }): Promise<ShopComparison> {
  const { source, target } = await bothSides(f, old);
  const after = await writtenAfterSwitch(control, migrationId);
  const ids = [...new Set([...source.keys(), ...target.keys()])].filter((id) => !after.has(id));
  const missing = ids.filter((id) => !target.has(id));
  const extra = ids.filter((id) => !source.has(id));
  const different = ids.filter((id) => source.has(id) && target.has(id) && JSON.stringify(source.get(id)) !== JSON.stringify(target.get(id)));
  const stale = [...after].filter((id) => source.has(id) && target.has(id) && target.get(id)!.version < source.get(id)!.version);
  return {
    rows: source.size,
    missing: missing.length,
    extra: extra.length,
    different: different.length,
    writtenAfterSwitch: after.size,
    stale: stale.length,
    examples: [...missing, ...extra, ...different, ...stale].slice(0, 5).map((id) => ({ id, source: source.get(id), target: target.get(id) })),
  };
}

/** Users with their orders from PostgreSQL and user documents from MongoDB, as the same plain JSON, by user id. */
async function bothSides(
  f: DataFixture,
  old: { users: string; orders: string },
): Promise<{ source: Map<number, Comparable>; target: Map<number, Comparable> }> {
  const { rows } = await f.pg.query(`
    select u.id, u.email, u.name, u.country, u.version,
           coalesce((select json_agg(json_build_object('id', o.id, 'amount_cents', o.amount_cents, 'status', o.status) order by o.id)
                     from ${old.orders} o where o.user_id = u.id), '[]'::json) as orders
    from ${old.users} u`);
  const source = new Map(rows.map((r) => [r.id as number, { email: r.email, name: r.name, country: r.country, version: r.version, orders: r.orders }]));
  const docs = await f.mongo.collection('users').find({}).toArray();
  const target = new Map(
    docs.map((d) => [
      Number(d._id),
      {
        email: d.email,
        name: d.name,
        country: d.country,
        version: Number(d.version),
        orders: (d.orders as Record<string, unknown>[]).map((o) => ({ id: Number(o.id), amount_cents: Number(o.amount_cents), status: o.status })),
      },
    ]),
  );
  return { source, target };
}

async function writtenAfterSwitch(control: Pool, migrationId: string): Promise<Set<number>> {
  const { rows } = await control.query<{ key: unknown }>(
    `select key from switchyard.written_keys
      where migration_id = $1 and entity = 'users'
        and routing_version >= (select min(version) from switchyard.routing_log where migration_id = $1 and writes = 'new')`,
    [migrationId],
  );
  return new Set(rows.map((r) => Number(Array.isArray(r.key) ? r.key[0] : r.key)));
}
