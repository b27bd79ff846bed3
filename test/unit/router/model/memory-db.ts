import type { DeleteOptions, EntityConnector, Key, MappedRecord, WriteOptions } from '../../../../lib/connectors/types';

/** A row of the model: one key, the version the application gave it, and a value naming who wrote which version. */
export interface Row {
  id: string;
  v: number;
  val: string;
}

/**
 * What a call can suffer, drawn by the property before the run: `fail` throws before the
 * database is touched, `lost` applies the call and then loses the answer (the caller sees an
 * error for a write that happened), `ok` answers normally.
 */
export type Fault = 'ok' | 'fail' | 'lost';

/** Lets the scheduler interleave at every await a real driver has: before the call and before its answer. */
export type Yield = (label: string) => Promise<void>;

/**
 * One database of the model, holding one entity. It keeps the connector contract's semantics for
 * the calls the router and the reconcile drain make (fetchByKeys; writeBatch with and without the
 * version guard, and existingOnly; deleteKeys with and without upTo, and the tombstones both
 * leave), each call atomic, as the connectors make them, and each a point where the scheduler may
 * run others and where a fault from the plan may strike. The rows map is what the invariants read.
 */
export function memoryDb(name: string, yieldTo: Yield, nextFault: () => Fault) {
  const rows = new Map<string, Row>();
  const tombstones = new Map<string, number>();
  const tombstone = (id: string, v: number) => tombstones.set(id, Math.max(v, tombstones.get(id) ?? -Infinity));
  const text = (key: Key) => String(key[0]);

  async function call<T>(what: string, apply: () => T): Promise<T> {
    const fault = nextFault();
    await yieldTo(`${name} ${what}`);
    if (fault === 'fail') throw new Error(`${name}: connection lost before ${what}`);
    const result = apply();
    await yieldTo(`${name} ${what} answer`);
    if (fault === 'lost') throw new Error(`${name}: connection lost after ${what}`);
    return result;
  }

  const connector: EntityConnector = {
    entity: 'items',
    side: name === 'old' ? 'source' : 'target',
    kind: 'postgres',
    keyOf: (record: MappedRecord) => [record.id as string],
    fetchByKeys: (keys: Key[]) =>
      call(`fetch ${keys.map(text).join(',')}`, () => ({
        records: keys.flatMap((k) => (rows.has(text(k)) ? [{ ...rows.get(text(k))! } as unknown as MappedRecord] : [])),
        rejected: [],
      })),
    writeBatch: (records: MappedRecord[], options?: WriteOptions) =>
      call(`write ${records.map((r) => `${r.id}@${r.v}`).join(',')}`, () => {
        const guard = options?.versionGuard ?? true;
        let written = 0;
        for (const r of records as unknown as Row[]) {
          const held = rows.get(r.id);
          const stone = tombstones.get(r.id);
          if (options?.existingOnly && !held) continue;
          if (guard && ((held && held.v >= r.v) || (!held && stone !== undefined && r.v <= stone))) continue;
          rows.set(r.id, { id: r.id, v: r.v, val: r.val });
          if (!guard) tombstones.delete(r.id);
          written++;
        }
        return { written, skipped: records.length - written, quarantined: 0 };
      }),
    deleteKeys: (keys: Key[], options?: DeleteOptions) =>
      call(`delete ${keys.map(text).join(',')}${options?.upTo !== undefined ? ` up to ${String(options.upTo)}` : ''}`, () => {
        const guarded = options?.upTo !== undefined;
        const upTo = options?.upTo as number | null | undefined;
        const kept: Key[] = [];
        const removed: number[] = [];
        for (const k of keys) {
          const held = rows.get(text(k));
          if (guarded) {
            if (upTo !== null && upTo !== undefined) tombstone(text(k), upTo);
            if (!held) continue;
            if (upTo === null || upTo === undefined || held.v > upTo) {
              kept.push(k);
              continue;
            }
          } else if (held) {
            tombstone(text(k), held.v);
          }
          if (!held) continue;
          rows.delete(text(k));
          removed.push(held.v);
        }
        return { deleted: removed.length, kept, ...(removed.length === 1 ? { removedVersion: removed[0] } : {}) };
      }),
    readRange: unmodelled,
    splitRanges: unmodelled,
    hashRange: unmodelled,
    digestRange: unmodelled,
    bucketRows: unmodelled,
    quarantine: unmodelled,
    quarantined: unmodelled,
    count: unmodelled,
    estimate: unmodelled,
    retire: unmodelled,
    restore: unmodelled,
    drop: unmodelled,
  };
  return { rows, connector };
}

function unmodelled(): never {
  throw new Error('not part of the router protocol model');
}
