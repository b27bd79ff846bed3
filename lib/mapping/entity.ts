import type { EntitySpec, TransformSpec } from '../spec/schema';
import { castValue } from './cast';
import { renamer, Row } from './rename';
import { joinText, splitText } from './split';
import type { Value } from './values';

export type { Row } from './rename';

/**
 * The one mapping of an entity, used by backfill, verification, the router and CDC alike, so they
 * can never disagree. Pure and deterministic. toTarget: a source row (children under their embed
 * "as" field) → the target-shaped record; toSource is its inverse for writing back to the source.
 */
export interface EntityMapping {
  readonly entity: string;
  readonly sourceKey: string[];
  readonly targetKey: string[];
  readonly sourceVersion?: string;
  readonly targetVersion?: string;
  /** Array fields holding child records, named the same on both sides. */
  readonly childFields: string[];
  toTarget(row: Row): Row;
  toSource(record: Row): Row;
  /**
   * A source-shaped row (or raw stored row) without the fields the spec drops (mapped to null),
   * also inside embedded children: what a quarantine entry may keep of a row that failed to map,
   * so a column the spec leaves behind (personal data, say) never reaches the target database.
   */
  withoutDropped<T>(row: Record<string, T>): Record<string, T>;
}

/**
 * A versioned entity's source version value (decoded as its connector reads it) as the target
 * stores it, through the one mapping (a cast, a rename): what the CDC streams bound deletes by.
 */
export function targetVersionOf(entity: EntitySpec): (sourceValue: Value) => Value | null {
  const { sourceVersion, targetVersion, toTarget } = compileMapping(entity);
  if (!sourceVersion || !targetVersion) throw new Error(`entity ${entity.name} has no version field`);
  return (value) => toTarget({ [sourceVersion]: value })[targetVersion] ?? null;
}

export function compileMapping(entity: EntitySpec): EntityMapping {
  const parent = renamer(entity.fields);
  const children = new Map(entity.embed.map((e) => [e.as, renamer(e.fields)]));
  const mapName = (name: string) => {
    const to = parent.forwardName(name);
    if (to === null) throw new Error(`entity ${entity.name}: a key or version field cannot be dropped (fields.${name} is null)`);
    return to;
  };
  const sourceKey = entity.from.key ?? ['_id'];
  const targetKey = entity.to.key ?? sourceKey.map(mapName);
  const sourceVersion = entity.from.version;
  const targetVersion = entity.to.version ?? (sourceVersion ? mapName(sourceVersion) : undefined);
  const targetOnly = new Set(Object.keys(entity.defaults).filter((f) => parent.backwardName(f) === f && !Object.hasOwn(entity.fields, f)));

  return {
    entity: entity.name,
    sourceKey,
    targetKey,
    sourceVersion,
    targetVersion,
    childFields: [...children.keys()],
    toTarget(row) {
      const transformed = applyTransforms({ ...row }, entity.transforms);
      const { own, nested } = splitChildren(transformed, children);
      const out = parent.forward(own);
      for (const [as, list] of nested) out[as] = list.map((c) => children.get(as)!.forward(c));
      for (const [field, value] of Object.entries(entity.defaults)) {
        if (out[field] === null || out[field] === undefined) out[field] = structuredClone(value) as Value;
      }
      return out;
    },
    withoutDropped(row) {
      const out: Record<string, (typeof row)[string]> = {};
      for (const [k, v] of Object.entries(row)) {
        if (parent.forwardName(k) === null) continue;
        const child = children.get(k);
        out[k] = child && Array.isArray(v) ? (v.map((c) => keepNamed(c, child.forwardName)) as typeof v) : v;
      }
      return out;
    },
    toSource(record) {
      const { own, nested } = splitChildren(record, children);
      for (const f of targetOnly) delete own[f];
      const out = parent.backward(own);
      for (const [as, list] of nested) out[as] = list.map((c) => children.get(as)!.backward(c));
      return revertTransforms(out, entity.transforms);
    },
  };
}

function keepNamed(item: unknown, forwardName: (name: string) => string | null): unknown {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
  return Object.fromEntries(Object.entries(item).filter(([k]) => forwardName(k) !== null));
}

function splitChildren(row: Row, children: Map<string, unknown>): { own: Row; nested: Map<string, Row[]> } {
  const own: Row = {};
  const nested = new Map<string, Row[]>();
  for (const [k, v] of Object.entries(row)) {
    if (children.has(k)) nested.set(k, Array.isArray(v) ? (v as Row[]) : []);
    else own[k] = v;
  }
  return { own, nested };
}

function applyTransforms(row: Row, transforms: TransformSpec[]): Row {
  for (const t of transforms) {
    if ('split' in t) {
      const parts = splitText(t.split, row[t.split] ?? null, t.into.length, t.separator);
      delete row[t.split];
      t.into.forEach((f, i) => (row[f] = parts[i]));
    } else if ('concat' in t) {
      const joined = joinText(
        t.into,
        t.concat.map((f) => row[f] ?? null),
        t.separator,
      );
      for (const f of t.concat) delete row[f];
      row[t.into] = joined;
    } else if (Object.hasOwn(row, t.cast)) {
      row[t.cast] = castValue(t.cast, row[t.cast], t.from, t.to);
    }
  }
  return row;
}

function revertTransforms(row: Row, transforms: TransformSpec[]): Row {
  for (const t of [...transforms].reverse()) {
    if ('split' in t) {
      const joined = joinText(
        t.split,
        t.into.map((f) => row[f] ?? null),
        t.separator,
      );
      for (const f of t.into) delete row[f];
      row[t.split] = joined;
    } else if ('concat' in t) {
      const parts = splitText(t.into, row[t.into] ?? null, t.concat.length, t.separator);
      delete row[t.into];
      t.concat.forEach((f, i) => (row[f] = parts[i]));
    } else if (Object.hasOwn(row, t.cast)) {
      row[t.cast] = castValue(t.cast, row[t.cast], t.to, t.from);
    }
  }
  return row;
}
