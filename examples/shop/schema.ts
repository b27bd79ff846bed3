import type { ClientBase } from 'pg';

/**
 * The shop's PostgreSQL schema: users and their orders. `version` grows on every change of a user
 * or of one of its orders, because the migration embeds orders in the user document and the
 * version guard compares the user's version (docs/architecture.md, "Backfill never overwrites fresher
 * data"). Amounts are integer cents so the records stay plain JSON in the HTTP service.
 */
export async function createShopTables(pg: ClientBase): Promise<void> {
  await pg.query(`
    create table users (
      id integer primary key,
      email text not null,
      name text not null,
      country text not null,
      version integer not null
    );
    create table orders (
      id integer primary key,
      user_id integer not null references users (id) on delete cascade,
      amount_cents integer not null,
      status text not null
    );
    create index orders_user_id on orders (user_id);
  `);
}

export interface SeedResult {
  users: number;
  orders: number;
  /** The highest order id used, so new orders can be numbered after it. */
  maxOrderId: number;
}

/**
 * `users` users with 0–`maxOrdersPerUser` orders each, generated inside PostgreSQL so that tens of
 * thousands of users take a second or two.
 */
export async function seedShop(pg: ClientBase, users: number, maxOrdersPerUser = 4): Promise<SeedResult> {
  await pg.query(
    `insert into users select g, 'user' || g || '@example.com', 'User ' || g, (array['DE','FR','US','JP','BR'])[g % 5 + 1], 1
     from generate_series(1, $1::int) g`,
    [users],
  );
  const { rows } = await pg.query<{ orders: number; max_id: number | null }>(
    `with inserted as (
       insert into orders
       select row_number() over ()::int, u, 100 + (u * 37 + n * 11) % 90000, (array['paid','shipped','delivered'])[(u + n) % 3 + 1]
       from generate_series(1, $1::int) u, generate_series(1, $2::int) n
       where n <= u % ($2::int + 1)
       returning id)
     select count(*)::int as orders, max(id) as max_id from inserted`,
    [users, maxOrdersPerUser],
  );
  await pg.query('analyze users; analyze orders');
  return { users, orders: rows[0].orders, maxOrderId: rows[0].max_id ?? 0 };
}
