import type { PoolClient } from 'pg';
import { describeTable, hasUniqueIndexOn } from './catalog';
import { quoteIdent, quoteQualified } from '../../sql/identifiers';

/** Findings about one PostgreSQL table an entity reads or writes. */
export interface TableFindings {
  blockers: string[];
  indexes: string[];
  /** Every column the table has (none when it does not exist). */
  columns: string[];
}

export interface TableRequirements {
  /** "source table" / "target table" / "embedded child table": how blockers name it. */
  role: string;
  table: string;
  key: string[];
  version?: string;
  columns: string[];
  /** A child table is looked up by this column; an index on it is recommended. */
  lookupColumn?: string;
  needsWrite: boolean;
}

export async function checkTable(client: PoolClient, req: TableRequirements): Promise<TableFindings> {
  const t = await describeTable(client, req.table);
  const out: TableFindings = { blockers: [], indexes: [], columns: [...t.columns.keys()] };
  if (!t.exists) {
    out.blockers.push(`${req.role} ${req.table} does not exist`);
    return out;
  }
  const missing = [...new Set([...req.key, ...(req.version ? [req.version] : []), ...req.columns])].filter((c) => !t.columns.has(c));
  for (const c of missing) out.blockers.push(`${req.role} ${req.table} has no column ${c}`);
  if (missing.length) return out;
  for (const k of req.key) if (!t.columns.get(k)!.notNull) out.blockers.push(`${req.role} ${req.table}: key column ${k} is nullable (add NOT NULL)`);
  if (!(await hasUniqueIndexOn(client, t, req.key))) {
    const index = `create unique index on ${quoteQualified(req.table)} (${req.key.map(quoteIdent).join(', ')})`;
    out.blockers.push(`${req.role} ${req.table}: key (${req.key.join(', ')}) is not unique: no primary key or unique index (${index})`);
    out.indexes.push(index);
  }
  if (req.lookupColumn && !(await hasLeadingIndex(client, t.sql, req.lookupColumn))) {
    out.indexes.push(`create index on ${quoteQualified(req.table)} (${quoteIdent(req.lookupColumn)})`);
  }
  if (req.needsWrite) {
    const { rows } = await client.query<{ ok: boolean }>(
      `select has_table_privilege(current_user, to_regclass($1), 'INSERT') and has_table_privilege(current_user, to_regclass($1), 'UPDATE')
          and has_table_privilege(current_user, to_regclass($1), 'DELETE') as ok`,
      [t.sql],
    );
    if (!rows[0].ok) out.blockers.push(`${req.role} ${req.table}: no write permission (INSERT, UPDATE and DELETE needed) for the connection's user`);
  }
  return out;
}

async function hasLeadingIndex(client: PoolClient, tableSql: string, column: string): Promise<boolean> {
  const { rows } = await client.query(
    `select 1 from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
      where i.indrelid = to_regclass($1) and a.attname = $2`,
    [tableSql, column],
  );
  return rows.length > 0;
}

export async function walLevel(client: PoolClient): Promise<string> {
  const { rows } = await client.query<{ wal_level: string }>('show wal_level');
  return rows[0].wal_level;
}
