import type { Key } from '../connectors/types';
import { fieldsThatDiffer } from '../mapping/canonical';
import type { RouterRecord, Side } from './types';

export interface MismatchSample {
  entity: string;
  key: Key;
  /** Target-shape fields whose canonical values differ, or "(missing in old)" / "(missing in new)". */
  fields: string[];
  at: string;
}

export type ShadowOutcome = 'match' | 'mismatch' | 'error';

/** The fields two records disagree on in canonical form (the form the verification hashes use); [] when equal. */
export function differingFields(oldRecord: RouterRecord | undefined, newRecord: RouterRecord | undefined): string[] {
  if (!oldRecord && !newRecord) return [];
  if (!oldRecord) return ['(missing in old)'];
  if (!newRecord) return ['(missing in new)'];
  return fieldsThatDiffer(oldRecord, newRecord);
}

type StoredByNew = (record: RouterRecord) => Promise<RouterRecord>;

/** Which record each side holds; the served one was read by the request, the other one afterwards. */
interface Observed {
  served: RouterRecord | undefined;
  other: RouterRecord | undefined;
}

/**
 * Runs comparisons off the request path: the caller hands over the record it already served and
 * a function reading either side; nothing here is awaited by a request. At most `maxInFlight`
 * run at once, so a slow database cannot pile up work; a sampled read beyond that is skipped.
 *
 * The other side is read after the request has returned, so a write to the key in between makes
 * the two reads differ without either database being wrong (and a read stuck on a database that
 * is down compares against a record long since replaced). A difference therefore counts only once
 * it has settled: after `recheckDelayMs` both sides are read again, and it is a mismatch only if
 * neither side changed meanwhile. If both changed into agreement it is a match; if either is still
 * moving it is "raced" and counts neither way (verification covers such a key).
 */
export function shadowComparer(opts: { maxInFlight: number; sampleSize: number; recheckDelayMs: number }) {
  let inFlight = 0;
  const tally = { matches: 0, mismatches: 0, errors: 0, skipped: 0, raced: 0 };
  const samples: MismatchSample[] = [];

  async function outcomeOf(servedSide: Side, first: Observed, read: (side: Side) => Promise<RouterRecord | undefined>, storedByNew?: StoredByNew) {
    const differing = async (o: Observed) => {
      const [oldRecord, newRecord] = ordered(servedSide, o);
      return differingFields(oldRecord && storedByNew ? await storedByNew(oldRecord) : oldRecord, newRecord);
    };
    const fields = await differing(first);
    if (!fields.length) return { outcome: 'match' as const };
    await new Promise((resolve) => setTimeout(resolve, opts.recheckDelayMs));
    const [served, other] = await Promise.all([read(servedSide), read(servedSide === 'old' ? 'new' : 'old')]);
    const again = { served, other };
    if (!(await differing(again)).length) return { outcome: 'match' as const };
    const unchanged = same(first.served, again.served) && same(first.other, again.other);
    return unchanged ? { outcome: 'mismatch' as const, fields } : { outcome: 'raced' as const };
  }

  function compare(
    entity: string,
    key: Key,
    served: { side: Side; record: RouterRecord | undefined },
    read: (side: Side) => Promise<RouterRecord | undefined>,
    done: (outcome: ShadowOutcome, sample?: MismatchSample) => void,
    storedByNew?: StoredByNew,
  ): void {
    if (inFlight >= opts.maxInFlight) {
      tally.skipped++;
      return;
    }
    inFlight++;
    read(served.side === 'old' ? 'new' : 'old')
      .then((other) => outcomeOf(served.side, { served: served.record, other }, read, storedByNew))
      .then(
        (result) => {
          if (result.outcome === 'raced') {
            tally.raced++;
            return;
          }
          if (result.outcome === 'match') {
            tally.matches++;
            return done('match');
          }
          tally.mismatches++;
          const sample = { entity, key, fields: result.fields, at: new Date().toISOString() };
          samples.push(sample);
          if (samples.length > opts.sampleSize) samples.shift();
          done('mismatch', sample);
        },
        () => {
          tally.errors++;
          done('error');
        },
      )
      .finally(() => inFlight--);
  }

  return {
    compare,
    stats: () => ({ ...tally, inFlight, samples: [...samples] }),
  };
}

/** [old, new] from what was served and what the other side held. */
function ordered(servedSide: Side, o: Observed): [RouterRecord | undefined, RouterRecord | undefined] {
  return servedSide === 'old' ? [o.served, o.other] : [o.other, o.served];
}

function same(a: RouterRecord | undefined, b: RouterRecord | undefined): boolean {
  return differingFields(a, b).length === 0;
}

export type ShadowStats = ReturnType<ReturnType<typeof shadowComparer>['stats']>;
