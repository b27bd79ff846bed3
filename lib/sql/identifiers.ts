/**
 * Table and column names come from a user's spec, so they are validated against a strict shape and
 * then always double-quoted: even a name that slipped past validation can only name an object,
 * never end a statement.
 */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
export const QUALIFIED_NAME = /^([A-Za-z_][A-Za-z0-9_]{0,62}\.)?[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export const IDENTIFIER_RULE = 'an identifier: letters, digits and _, starting with a letter or _, at most 63 characters';
export const QUALIFIED_NAME_RULE = 'a table name such as "users" or "public.users" (letters, digits, _; at most 63 per part)';

/**
 * Field names become keys of plain objects (rows, documents, field maps); these three would reach
 * the prototype instead of a field, so a value mapped to one would silently vanish.
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
export const RESERVED_RULE = 'a name other than __proto__, constructor or prototype (they name JavaScript object internals, not fields)';

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** "public.users" → "public"."users"; an unqualified name is resolved by search_path. */
export function quoteQualified(name: string): string {
  return splitQualified(name).map(quoteIdent).join('.');
}

export function splitQualified(name: string): string[] {
  const dot = name.indexOf('.');
  return dot < 0 ? [name] : [name.slice(0, dot), name.slice(dot + 1)];
}
