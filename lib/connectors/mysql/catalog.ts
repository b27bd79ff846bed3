import type { PoolConnection } from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2';
import { quoteTable } from './sql';

/** What the codecs and the SQL builders need to know about one column. */
export interface MysqlColumn {
  name: string;
  /** information_schema DATA_TYPE: int, bigint, varchar, datetime, … (json where MariaDB's longtext is checked by json_valid). */
  type: string;
  /** COLUMN_TYPE, for messages and the modifiers: int(10) unsigned, decimal(65,30), enum('a','b'). */
  decl: string;
  unsigned: boolean;
  notNull: boolean;
  hasDefault: boolean;
  /** A generated column: read, never written. */
  generated: boolean;
  /** Filled by the server when a write leaves it out. */
  autoIncrement: boolean;
  /** A character column (char, varchar, text, enum, set): compared by bytes as a key (sql.ts). */
  text: boolean;
  /** Stored as bytes (binary, varbinary, blob, bit): read as a buffer. */
  bytes: boolean;
  charset?: string;
  collation?: string;
  /** Characters (char, varchar), bytes (binary, varbinary, blobs), bits (bit). */
  maxLength?: number;
  /** Bytes a text column holds (tinytext … longtext). */
  maxBytes?: number;
  precision?: number;
  scale?: number;
  /** Fractional second digits of datetime, timestamp and time. */
  fraction?: number;
  /** The members of an enum or set. */
  members?: string[];
}

export interface MysqlTable {
  name: string;
  /** The quoted, possibly database-qualified name for SQL. */
  sql: string;
  /** database.table: names the table in tombstones and quarantine, unique across databases. */
  qualified: string;
  exists: boolean;
  columns: Map<string, MysqlColumn>;
  /** Columns of the primary key, in key order (empty: none). */
  primaryKey: string[];
}

const TEXT_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set', 'json']);
const BYTE_TYPES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob', 'bit']);

interface ColumnRow extends RowDataPacket {
  name: string;
  data_type: string;
  column_type: string;
  nullable: string;
  column_default: string | null;
  extra: string;
  charset: string | null;
  collation: string | null;
  char_length: string | null;
  octet_length: string | null;
  num_precision: string | null;
  num_scale: string | null;
  dt_precision: string | null;
  json_checked: string | number;
  db: string;
  in_key: string | null;
}

export async function describeTable(conn: PoolConnection, name: string): Promise<MysqlTable> {
  const [db, table] = name.includes('.') ? name.split('.', 2) : [null, name];
  const [rows] = await conn.query<ColumnRow[]>(
    `select c.column_name as name, c.data_type as data_type, c.column_type as column_type, c.is_nullable as nullable,
            c.column_default as column_default, c.extra as extra, c.character_octet_length as octet_length,
            c.character_set_name as charset, c.collation_name as collation, c.character_maximum_length as char_length,
            c.numeric_precision as num_precision, c.numeric_scale as num_scale, c.datetime_precision as dt_precision,
            c.table_schema as db, k.ordinal_position as in_key,
            -- MariaDB stores json as longtext with a json_valid() check named after the column.
            exists (select 1 from information_schema.check_constraints cc
                     where cc.constraint_schema = c.table_schema and cc.table_name = c.table_name
                       and cc.check_clause like concat('json_valid(\`', c.column_name, '\`)')) as json_checked
       from information_schema.columns c
       left join information_schema.key_column_usage k
         on k.table_schema = c.table_schema and k.table_name = c.table_name and k.column_name = c.column_name and k.constraint_name = 'PRIMARY'
      where c.table_schema = coalesce(?, database()) and c.table_name = ?
      order by c.ordinal_position`,
    [db, table],
  );
  const columns = new Map<string, MysqlColumn>();
  for (const r of rows) columns.set(r.name, toColumn(r));
  const primaryKey = rows
    .filter((r) => r.in_key !== null)
    .sort((a, b) => Number(a.in_key) - Number(b.in_key))
    .map((r) => r.name);
  const schema = rows[0]?.db ?? db ?? '';
  return { name, sql: quoteTable(name), qualified: `${schema}.${table}`, exists: rows.length > 0, columns, primaryKey };
}

function toColumn(r: ColumnRow): MysqlColumn {
  const json = r.data_type === 'json' || (r.data_type === 'longtext' && Number(r.json_checked) === 1);
  const type = json ? 'json' : r.data_type;
  const num = (v: string | null) => (v === null ? undefined : Number(v));
  return {
    name: r.name,
    type,
    decl: json && r.data_type !== 'json' ? 'json (longtext)' : r.column_type,
    unsigned: /\bunsigned\b/.test(r.column_type),
    notNull: r.nullable === 'NO',
    // MariaDB reports a missing default as the text NULL, MySQL as SQL NULL.
    hasDefault: r.column_default !== null && !(r.column_default === 'NULL' && r.nullable === 'NO'),
    generated: /GENERATED/i.test(r.extra),
    autoIncrement: /auto_increment/i.test(r.extra),
    text: TEXT_TYPES.has(type),
    bytes: BYTE_TYPES.has(type),
    charset: r.charset ?? undefined,
    collation: r.collation ?? undefined,
    maxLength: type === 'bit' ? num(r.num_precision) : num(r.char_length),
    maxBytes: num(r.octet_length),
    precision: num(r.num_precision),
    scale: num(r.num_scale),
    fraction: num(r.dt_precision),
    members: type === 'enum' || type === 'set' ? parseMembers(r.column_type) : undefined,
  };
}

/** enum('a','it''s') → ['a', "it's"]. */
function parseMembers(decl: string): string[] {
  const members: string[] = [];
  const re = /'((?:[^']|'')*)'/g;
  for (let m = re.exec(decl); m; m = re.exec(decl)) members.push(m[1].replace(/''/g, "'"));
  return members;
}
