import { createHash } from 'node:crypto';
import { fromKeyPart, keyText } from '../keys';
import type { Key } from '../types';
import type { MysqlColumn } from './catalog';
import type { MysqlContext } from './context';
import { encodeLiteral } from './encode';
import { keyLiterals } from './read';
import { keyExpr, quoteId } from './sql';

/**
 * Keys (with further columns per row, as SQL) as a derived table (default alias `c`): i (position), k0… (the key
 * under the column's own type), b0… (the key as sql.ts compares it), h (its tombstone hash). A
 * batch decides in one statement what happens to each of its keys.
 */
export function candidateTable(ctx: MysqlContext, rows: Array<{ key: Key; extra?: Record<string, string> }>, alias = 'c'): string {
  const { zone } = ctx.options;
  const selects = rows.map(({ key, extra }, i) => {
    const bytes = keyLiterals(ctx, key);
    const cols = [
      `${i} as i`,
      ...ctx.key.map((c, n) => `${encodeLiteral(c, fromKeyPart(key[n]), zone)} as k${n}`),
      ...bytes.map((b, n) => `${b} as b${n}`),
      `${keyHash(key)} as h`,
      ...Object.entries(extra ?? {}).map(([name, sql]) => `${sql} as ${quoteId(name)}`),
    ];
    return `select ${cols.join(', ')}`;
  });
  return `(${selects.join(' union all ')}) ${alias}`;
}

/** Join condition of table alias `t` to the candidates: found through the key, kept only when its bytes are the same. */
export function candidateJoin(ctx: MysqlContext, t: string): string {
  return ctx.key.map((k, n) => `${t}.${quoteId(k.name)} = c.k${n} and ${keyExpr(k, t)} = c.b${n}`).join(' and ');
}

/** Join condition that matches under the key columns' collation only: finds a stored 'a' for a written 'A'. */
export function collationJoin(ctx: MysqlContext, t: string): string {
  return ctx.key.map((k, n) => `${t}.${quoteId(k.name)} = c.k${n}`).join(' and ');
}

/** Candidates `c` and `d` (two copies of one candidate table) have keys equal under the key columns' collations. */
export function candidatesCollide(ctx: MysqlContext): string {
  const under = (k: MysqlColumn, ref: string) => (k.text && k.collation ? `convert(${ref} using ${k.charset}) collate ${k.collation}` : ref);
  return ctx.key.map((k, n) => `${under(k, `c.k${n}`)} = ${under(k, `d.k${n}`)}`).join(' and ');
}

/** A key's identity in switchyard_tombstones: the sha256 of its JSON text, so a key of any length fits the primary key. */
export function keyHash(key: Key): string {
  return `x'${createHash('sha256').update(keyText(key)).digest('hex')}'`;
}
