import type { EntityMapping } from '../mapping/entity';
import type { EmbedSpec, EntitySpec, TransformSpec } from '../spec/schema';

/**
 * Source fields the spec names: transform inputs and "fields" keys (dropped ones too: a typo there
 * would let the real field through), except names an earlier transform produces.
 */
export function namedSourceFields(entity: EntitySpec): string[] {
  const made = new Set<string>();
  const named = new Set<string>();
  for (const t of entity.transforms) {
    for (const f of transformInputs(t)) if (!made.has(f)) named.add(f);
    for (const f of transformOutputs(t)) made.add(f);
  }
  for (const f of Object.keys(entity.fields)) if (!made.has(f)) named.add(f);
  return [...named];
}

/**
 * The target fields records with these source fields are written with: the entity's own mapping
 * applied to a row of nulls, so the plan and the copy can never disagree about them.
 */
export function targetFields(mapping: EntityMapping, sourceFields: string[]): string[] {
  const row = Object.fromEntries(sourceFields.map((f) => [f, null]));
  return Object.keys(mapping.toTarget(row)).filter((f) => !mapping.childFields.includes(f));
}

/** The child-table columns an embed's field map names: its keys when the table is read, its values when written. */
export function childColumns(embed: EmbedSpec, tableIs: 'source' | 'target'): string[] {
  const names = tableIs === 'source' ? Object.keys(embed.fields) : Object.values(embed.fields);
  return names.filter((f): f is string => f !== null);
}

function transformInputs(t: TransformSpec): string[] {
  if ('split' in t) return [t.split];
  if ('concat' in t) return t.concat;
  return [t.cast];
}

function transformOutputs(t: TransformSpec): string[] {
  if ('split' in t) return t.into;
  if ('concat' in t) return [t.into];
  return [];
}
