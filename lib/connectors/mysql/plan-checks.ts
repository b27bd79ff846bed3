import type { RowDataPacket } from 'mysql2';
import type { PoolConnection } from 'mysql2/promise';
import { describeTable } from './catalog';
import { keyExpr, quoteId, quoteTable } from './sql';

/** Findings about one MySQL table an entity reads or writes. */
export interface TableFindings {
  blockers: string[];
  warnings: string[];
  indexes: string[];
  /** Every column the table has (none when it does not exist). */
  columns: string[];
}

export interface TableRequirements {
  role: 'source table' | 'target table';
  table: string;
  key: string[];
  version?: string;
  columns: string[];
}

export async function checkTable(conn: PoolConnection, req: TableRequirements): Promise<TableFindings> {
  const t = await describeTable(conn, req.table);
  const out: TableFindings = { blockers: [], warnings: [], indexes: [], columns: [...t.columns.keys()] };
  const where = `${req.role} ${req.table}`;
  if (!t.exists) {
    out.blockers.push(`${where} does not exist`);
    return out;
  }
  const missing = [...new Set([...req.key, ...(req.version ? [req.version] : []), ...req.columns])].filter((c) => !t.columns.has(c));
  for (const c of missing) out.blockers.push(`${where} has no column ${c}`);
  if (missing.length) return out;
  // INSERT … ON DUPLICATE KEY UPDATE finds a row through any unique index: with several, a record could update another row.
  if (!t.primaryKey.length) out.blockers.push(`${where} has no primary key; switchyard reads in key order and writes by key (ALTER TABLE … ADD PRIMARY KEY)`);
  for (const k of req.key) if (!t.columns.get(k)!.notNull) out.blockers.push(`${where}: key column ${k} is nullable (make it NOT NULL)`);
  if (t.primaryKey.length && !(await isUnique(conn, t.qualified, req.key))) {
    const index = `create unique index switchyard_key on ${quoteTable(req.table)} (${req.key.map(quoteId).join(', ')})`;
    out.blockers.push(`${where}: key (${req.key.join(', ')}) is not unique: neither the primary key nor a unique index (${index})`);
    out.indexes.push(index);
  }
  for (const k of req.key.map((name) => t.columns.get(name)!)) {
    if (keyExpr(k) === quoteId(k.name)) continue;
    out.warnings.push(
      req.role === 'target table'
        ? `${where}: key column ${k.name} has collation ${k.collation}, under which keys differing only in case, accents or trailing spaces are one key; switchyard quarantines such a record (switchyard_quarantine, with both keys) instead of overwriting the other; utf8mb4_nopad_bin keeps them apart`
        : `${where}: key column ${k.name} has collation ${k.collation}; switchyard reads its keys in byte order (as PostgreSQL "C" and MongoDB do), which sorts each page instead of walking the primary key; utf8mb4_nopad_bin avoids the sort`,
    );
  }
  return out;
}

async function isUnique(conn: PoolConnection, qualified: string, key: string[]): Promise<boolean> {
  const [db, table] = qualified.split('.', 2);
  const [rows] = await conn.query<RowDataPacket[]>(
    `select index_name as name, group_concat(column_name order by column_name separator ',') as cols
       from information_schema.statistics where table_schema = ? and table_name = ? and non_unique = 0 group by index_name`,
    [db, table],
  );
  const wanted = [...key].sort().join(',');
  return rows.some((r) => r.cols === wanted);
}
