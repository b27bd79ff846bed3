import type { PgContext } from './context';

/** One column a direct copy moves, by its name on each side. */
export interface ColumnPair {
  source: string;
  target: string;
}

/**
 * The columns a PostgreSQL → PostgreSQL copy can move as text, untouched by Node, or why it
 * cannot. It can when every kept source column lands on a target column of the very same type
 * and modifier (numeric(12,2) may not fit numeric(10,2)), so the target's input function reads
 * back exactly what the source's output function printed —
 * the same bytes the row-by-row path would produce, without the trip through neutral values.
 * Anything the row-by-row path would quarantine row by row instead (a target column that is
 * missing, NOT NULL where the source allows NULL, or required but unmapped) keeps that path, so
 * the outcome for such rows does not depend on which path ran.
 */
export function directColumns(source: PgContext, target: PgContext, rename: (field: string) => string | null): ColumnPair[] | string {
  if (source.children.length || target.children.length) return 'child tables';
  const pairs: ColumnPair[] = [];
  for (const s of source.table.columns.values()) {
    const name = rename(s.name);
    if (name === null) continue;
    const t = target.table.columns.get(name);
    if (!t) return `${target.table.name} has no column ${name}`;
    if (t.typeDecl !== s.typeDecl) return `${s.name} is ${s.typeDecl}, ${name} is ${t.typeDecl}`;
    if (t.notNull && !s.notNull) return `${name} is NOT NULL, ${s.name} is not`;
    pairs.push({ source: s.name, target: name });
  }
  const mapped = new Set(pairs.map((p) => p.target));
  const required = [...target.table.columns.values()].find((t) => t.notNull && !t.hasDefault && !mapped.has(t.name));
  if (required) return `${required.name} is required and nothing maps to it`;
  // Resume cursors are keys of the source; the staged rows must order and print the same way.
  const sourceKey = source.key.map((k) => rename(k.name));
  if (sourceKey.join('\0') !== target.key.map((k) => k.name).join('\0')) return 'the target key is not the mapped source key';
  return pairs;
}
