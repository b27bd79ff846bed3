import type { PoolClient } from 'pg';
import { quoteQualified } from '../../sql/identifiers';
import { typeLimit, TypeLimit } from './limits';

/** What the codecs and the SQL builders need to know about one column. */
export interface PgColumn {
  name: string;
  notNull: boolean;
  hasDefault: boolean;
  /** Base type name (domains resolved): int8, numeric, timestamptz, … */
  type: string;
  /** format_type output, safe to splice after :: (it comes from the catalog, not the spec). */
  typeSql: string;
  /** format_type with the modifier, for messages and exact comparison: numeric(10,2), character varying(5). */
  typeDecl: string;
  /** What the modifier allows (of each element, for arrays); undefined when it allows anything the type holds. */
  limit?: TypeLimit;
  /** For arrays, the element type name. */
  elementType?: string;
  /** 'S' string, 'N' numeric, … (pg_type.typcategory of the base type). */
  category: string;
  isEnum: boolean;
  /**
   * The database fills it: a generated column, an identity, a serial (nextval default). A write
   * sets it only as part of the key (see writtenColumns).
   */
  computed: boolean;
  /** A generated column: never written. */
  generated: boolean;
  /** An identity GENERATED ALWAYS: writing it needs OVERRIDING SYSTEM VALUE. */
  identityAlways: boolean;
  /** The default expression (from the catalog, safe to splice), for other columns that have one. */
  defaultSql?: string;
}

export interface PgTable {
  name: string;
  /** The quoted, schema-qualified name for SQL. */
  sql: string;
  exists: boolean;
  columns: Map<string, PgColumn>;
}

export async function describeTable(client: PoolClient, name: string): Promise<PgTable> {
  const sql = quoteQualified(name);
  const { rows } = await client.query<{
    name: string;
    not_null: boolean;
    has_default: boolean;
    type: string;
    type_sql: string;
    type_decl: string;
    typmod: number;
    element_type: string | null;
    category: string;
    is_enum: boolean;
    generated: boolean;
    identity: string;
    default_sql: string | null;
  }>(
    `select a.attname as name, a.attnotnull as not_null, a.atthasdef as has_default,
            bt.typname as type, format_type(a.atttypid, null) as type_sql,
            format_type(a.atttypid, a.atttypmod) as type_decl,
            -- A domain carries its base type's modifier; the column's own is -1.
            case when t.typtype = 'd' then t.typtypmod else a.atttypmod end as typmod,
            et.typname as element_type, bt.typcategory as category,
            (coalesce(et.typtype, bt.typtype) = 'e') as is_enum,
            a.attgenerated <> '' as generated, a.attidentity::text as identity,
            pg_get_expr(d.adbin, d.adrelid) as default_sql
       from pg_attribute a
       left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
       join pg_type t on t.oid = a.atttypid
       join pg_type bt on bt.oid = case when t.typtype = 'd' then t.typbasetype else t.oid end
       left join pg_type et on et.oid = bt.typelem and bt.typcategory = 'A'
      where a.attrelid = to_regclass($1) and a.attnum > 0 and not a.attisdropped
      order by a.attnum`,
    [sql],
  );
  const columns = new Map<string, PgColumn>();
  for (const r of rows) {
    columns.set(r.name, {
      name: r.name,
      notNull: r.not_null,
      hasDefault: r.has_default,
      type: r.type,
      typeSql: r.type_sql,
      typeDecl: r.type_decl,
      limit: typeLimit(r.element_type ?? r.type, r.typmod),
      elementType: r.element_type ?? undefined,
      category: r.category,
      isEnum: r.is_enum,
      ...computedOrDefault(r.generated, r.identity, r.default_sql),
    });
  }
  return { name, sql, exists: rows.length > 0, columns };
}

function computedOrDefault(
  generated: boolean,
  identity: string,
  defaultSql: string | null,
): Pick<PgColumn, 'computed' | 'generated' | 'identityAlways' | 'defaultSql'> {
  const serial = defaultSql !== null && /^nextval\(/.test(defaultSql);
  const computed = generated || identity !== '' || serial;
  return { computed, generated, identityAlways: identity === 'a', defaultSql: computed || defaultSql === null ? undefined : defaultSql };
}

/** Whether some unique index (or primary key) covers exactly these columns. */
export async function hasUniqueIndexOn(client: PoolClient, table: PgTable, columns: string[]): Promise<boolean> {
  const { rows } = await client.query<{ cols: string[] }>(
    `select array(select a.attname from unnest(i.indkey) k join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k order by 1)::text[] as cols
       from pg_index i where i.indrelid = to_regclass($1) and i.indisunique and i.indpred is null`,
    [table.sql],
  );
  const wanted = [...columns].sort().join(',');
  return rows.some((r) => [...r.cols].sort().join(',') === wanted);
}
