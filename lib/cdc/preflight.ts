import type { ClientBase } from 'pg';
import { quoteQualified } from '../sql/identifiers';

/**
 * Why change data capture cannot start on this server, as sentences for an operator; empty when
 * it can. `slot` is the migration's own slot: when it already exists it needs no free one.
 */
export async function cdcBlockers(client: ClientBase, tables: string[], slot: string): Promise<string[]> {
  const { rows } = await client.query<{
    wal_level: string;
    can_replicate: boolean;
    superuser: boolean;
    max_slots: number;
    used_slots: number;
    has_slot: boolean;
  }>(
    `select current_setting('wal_level') as wal_level,
            r.rolreplication or r.rolsuper as can_replicate, r.rolsuper as superuser,
            current_setting('max_replication_slots')::int as max_slots,
            (select count(*)::int from pg_replication_slots) as used_slots,
            exists (select 1 from pg_replication_slots where slot_name = $1) as has_slot
       from pg_roles r where r.rolname = current_user`,
    [slot],
  );
  const s = rows[0];
  const blockers: string[] = [];
  if (s.wal_level !== 'logical') blockers.push(`wal_level is ${s.wal_level}; change data capture needs wal_level = logical (postgresql.conf, then restart)`);
  if (!s.can_replicate) blockers.push('the source role has neither REPLICATION nor SUPERUSER (ALTER ROLE … REPLICATION)');
  if (!s.has_slot && s.used_slots >= s.max_slots)
    blockers.push(`all ${s.max_slots} replication slots are in use (raise max_replication_slots or drop an unused slot)`);
  if (!s.superuser) blockers.push(...(await notOwned(client, tables)));
  return blockers;
}

/** CREATE PUBLICATION … FOR TABLE and ALTER TABLE … REPLICA IDENTITY need table ownership. */
async function notOwned(client: ClientBase, tables: string[]): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `select t.name from unnest($1::text[], $2::text[]) as t(name, quoted)
      where not exists (select 1 from pg_class c where c.oid = to_regclass(t.quoted) and pg_has_role(current_user, c.relowner, 'USAGE'))`,
    [tables, tables.map(quoteQualified)],
  );
  return rows.map((r) => `the source role does not own table ${r.name} (needed to publish it and set its replica identity)`);
}
