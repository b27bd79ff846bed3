import { quoteIdent } from '../../sql/identifiers';
import type { PgColumn, PgTable } from './catalog';

/**
 * SQL fragments built only from quoted catalog-checked names and numbered parameters; no spec
 * text ever reaches a statement unquoted.
 */
const COLLATABLE = new Set(['text', 'varchar', 'bpchar', 'name', 'citext']);

export function column(table: PgTable, name: string): PgColumn {
  const c = table.columns.get(name);
  if (!c) throw new Error(`${table.name} has no column ${JSON.stringify(name)}`);
  return c;
}

/**
 * Text keys compare in byte order (COLLATE "C") so that key order, ranges and range hashes agree
 * with MongoDB's binary string order and across databases with different collations.
 */
export function keyExpr(c: PgColumn, alias = ''): string {
  const ref = `${alias ? `${alias}.` : ''}${quoteIdent(c.name)}`;
  return COLLATABLE.has(c.type) ? `${ref} collate "C"` : ref;
}

export function orderBy(keys: PgColumn[], direction: 'asc' | 'desc' = 'asc'): string {
  return keys.map((k) => `${keyExpr(k)} ${direction}`).join(', ');
}

/**
 * (k1, k2) op (v1::t1, v2::t2): a row comparison, which a btree index on (k1, k2) serves. The
 * values are SQL already: parameter placeholders, or literals where a statement takes none (COPY).
 */
export function keyComparison(keys: PgColumn[], op: '>' | '>=' | '<', values: string[]): string {
  const left = keys.map((k) => keyExpr(k));
  const right = keys.map((k, i) => `${values[i]}::${k.typeSql}`);
  return keys.length === 1 ? `${left[0]} ${op} ${right[0]}` : `(${left.join(', ')}) ${op} (${right.join(', ')})`;
}

/** Rows whose key is one of a JSON array of key objects: works for single and composite keys. */
export function keyIn(table: PgTable, keys: PgColumn[], param: number, alias = ''): string {
  const cols = keys.map((k) => `${alias ? `${alias}.` : ''}${quoteIdent(k.name)}`).join(', ');
  const picked = keys.map((k) => `r.${quoteIdent(k.name)}`).join(', ');
  return `(${cols}) in (select ${picked} from json_populate_recordset(null::${table.sql}, $${param}::json) r)`;
}

/**
 * Rows whose key is one of these, given as SQL values (escaped literals): `(k1, k2) in ((v1::t1,
 * v2::t2), …)`. The planner reads it as index lookups without expanding a JSON document, which
 * keyIn costs on every call; a statement without parameters (simple protocol) needs it anyway.
 */
export function keyInValues(keys: PgColumn[], values: string[][], alias = ''): string {
  const cols = keys.map((k) => `${alias ? `${alias}.` : ''}${quoteIdent(k.name)}`);
  const tuples = values.map((v) => keys.map((k, i) => `${v[i]}::${k.typeSql}`));
  if (keys.length === 1) return `${cols[0]} in (${tuples.map((t) => t[0]).join(', ')})`;
  return `(${cols.join(', ')}) in (${tuples.map((t) => `(${t.join(', ')})`).join(', ')})`;
}

export function selectList(table: PgTable): string {
  return [...table.columns.values()].map((c) => quoteIdent(c.name)).join(', ');
}
