/**
 * The torture oracle. It is independent of lib/ on purpose: it reads the databases with the raw
 * `pg` and `mongodb` drivers and judges them against the instances' logs with its own rules
 * (allowed.ts, reads.ts), so a bug in the product's mapping or comparison cannot hide itself.
 */
import { allowedFinal, judgeFinal, KeyState, writesOf } from './allowed';
import type { Op } from './history';
import { judgeRead } from './reads';

export interface Violation {
  /** `<where>:<what>`, e.g. `primary:lost_write`, `read:stale_own_write`. */
  kind: string;
  seed: number;
  key: number;
  detail: string;
}

const show = (s: KeyState | undefined) => (s === undefined ? 'undefined' : s === null ? 'absent' : `${s.val}@${s.ver}`);

/**
 * Each key of `actual` (and each key ever written) against the allowed final states; `known`
 * excuses a key the migration recorded as missing there (the old database after `complete`),
 * `quarantined` an older version of a key whose newer one the database could not store.
 */
export function checkFinal(
  where: string,
  seed: number,
  ops: Op[],
  seeded: Map<number, KeyState>,
  actual: Map<number, KeyState>,
  known?: Set<number>,
  quarantined?: Set<number>,
): Violation[] {
  const keys = new Set<number>([...seeded.keys(), ...actual.keys(), ...ops.map((o) => o.key)]);
  const out: Violation[] = [];
  for (const key of [...keys].sort((a, b) => a - b)) {
    const writes = writesOf(ops, key, seeded.get(key) ?? null);
    const got = actual.get(key) ?? null;
    const kind = judgeFinal(writes, got);
    if (!kind || known?.has(key) || (kind === 'older_version' && quarantined?.has(key))) continue;
    const allowed = allowedFinal(writes)
      .map((w) => `${w.id}=${show(w.state)}`)
      .join(', ');
    out.push({ kind: `${where}:${kind}`, seed, key, detail: `holds ${show(got)}; allowed ${allowed}` });
  }
  return out;
}

/** Every acknowledged read against the read guarantees. */
export function checkReads(seed: number, ops: Op[], seeded: Map<number, KeyState>): Violation[] {
  const out: Violation[] = [];
  const byKey = new Map<number, ReturnType<typeof writesOf>>();
  for (const read of ops) {
    if (read.op !== 'get' || !read.acked) continue;
    let writes = byKey.get(read.key);
    if (!writes) byKey.set(read.key, (writes = writesOf(ops, read.key, seeded.get(read.key) ?? null)));
    const found = judgeRead(read, writes);
    if (found) {
      const r = read.routing;
      const newer = found.newer ? `; newer acknowledged ${found.newer.id}=${show(found.newer.state)} written under writes=${found.newer.writes}` : '';
      out.push({
        kind: `read:${found.kind}`,
        seed,
        key: read.key,
        detail: `${read.id} read ${show(read.read ?? null)} under routing v${r.version} writes=${r.writes} reads=${r.reads}${r.reads === 'percent' ? ` ${r.readPercent}%` : ''}${newer}`,
      });
    }
  }
  return out;
}
