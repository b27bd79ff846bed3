import type { MysqlColumn, MysqlTable } from './catalog';

/**
 * SQL fragments from backquoted catalog-checked names and literals the codecs build (encode.ts);
 * no spec text reaches a statement unquoted.
 */
export function quoteId(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** "shop.users" → `shop`.`users`; an unqualified name is in the URL's database. */
export function quoteTable(name: string): string {
  return name.split('.').map(quoteId).join('.');
}

export function column(table: MysqlTable, name: string): MysqlColumn {
  const c = table.columns.get(name);
  if (!c) throw new Error(`${table.name} has no column ${JSON.stringify(name)}`);
  return c;
}

/**
 * Text keys compare by their UTF-8 bytes, the order of PostgreSQL's COLLATE "C" and MongoDB, so a
 * key range means the same rows on every side. MySQL's collations ignore case, accents or trailing
 * spaces (PAD SPACE), so only a NO PAD binary collation can be used as it is (and keeps the index
 * order); any other text key is compared as its bytes, which costs a sort instead of an index walk.
 */
export function keyExpr(c: MysqlColumn, alias = ''): string {
  const ref = `${alias ? `${alias}.` : ''}${quoteId(c.name)}`;
  if (!c.text || c.collation === 'utf8mb4_nopad_bin') return ref;
  return `cast(convert(${ref} using utf8mb4) as binary)`;
}

export function orderBy(keys: MysqlColumn[]): string {
  return keys.map((k) => `${keyExpr(k)} asc`).join(', ');
}

/** (k1, k2) op (v1, v2) over key expressions; the values are literals of keyLiteral. */
export function keyComparison(keys: MysqlColumn[], op: '>' | '>=' | '<', values: string[]): string {
  const left = keys.map((k) => keyExpr(k));
  return keys.length === 1 ? `${left[0]} ${op} ${values[0]}` : `(${left.join(', ')}) ${op} (${values.join(', ')})`;
}

/**
 * Every column, a float as the double equal to it: the server prints a float with 6 significant
 * digits (0.123456789 as 0.123457), which is another number; the double prints exactly.
 */
export function selectList(table: MysqlTable, alias = ''): string {
  return [...table.columns.values()]
    .map((c) => {
      const ref = `${alias ? `${alias}.` : ''}${quoteId(c.name)}`;
      return c.type === 'float' ? `(${ref} + 0e0) as ${quoteId(c.name)}` : ref;
    })
    .join(', ');
}
