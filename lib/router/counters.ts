import type { GateFigures } from '../control';
import type { RouterControl } from './router-control';

/** What the health gates read, per routing version: shadow comparisons and new-database operations. */
export type GateCounts = Pick<GateFigures, 'comparisons' | 'mismatches' | 'operations' | 'errors'>;

type Field = keyof GateCounts;

/**
 * Gate counts since the last flush, bucketed by the routing version the operation ran under
 * (gates judge one version's figures). A failed flush keeps the counts for the next one, so a
 * control-store outage delays figures but loses none.
 */
export function gateCounters(control: RouterControl, migrationId: string, instanceId: string) {
  let pending = new Map<number, GateCounts>();
  let flushFailures = 0;

  const add = (version: number, field: Field, n = 1) => {
    let c = pending.get(version);
    if (!c) pending.set(version, (c = { comparisons: 0, mismatches: 0, operations: 0, errors: 0 }));
    c[field] += n;
  };

  async function flush(): Promise<void> {
    const batch = pending;
    pending = new Map();
    for (const [routingVersion, counts] of batch) {
      try {
        await control.recordCounters({ migrationId, routingVersion, instanceId, ...counts });
      } catch {
        flushFailures++;
        for (const [field, n] of Object.entries(counts) as [Field, number][]) add(routingVersion, field, n);
      }
    }
  }

  return {
    add,
    flush,
    unflushedVersions: () => pending.size,
    flushFailures: () => flushFailures,
  };
}

export type GateCounters = ReturnType<typeof gateCounters>;
