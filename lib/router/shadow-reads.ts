import type { Key } from '../connectors/types';
import { canonicalJson } from '../mapping/canonical';
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
  const names = [...new Set([...Object.keys(oldRecord), ...Object.keys(newRecord)])].sort();
  return names.filter((f) => canonicalJson(oldRecord[f]) !== canonicalJson(newRecord[f]));
}

/**
 * Runs comparisons off the request path: the caller hands over the record it already served and
 * a function reading the other side; nothing here is awaited by a request. At most `maxInFlight`
 * run at once, so a slow database cannot pile up work; a sampled read beyond that is skipped.
 */
export function shadowComparer(opts: { maxInFlight: number; sampleSize: number }) {
  let inFlight = 0;
  const tally = { matches: 0, mismatches: 0, errors: 0, skipped: 0 };
  const samples: MismatchSample[] = [];

  function compare(
    entity: string,
    key: Key,
    served: { side: Side; record: RouterRecord | undefined },
    readOther: () => Promise<RouterRecord | undefined>,
    done: (outcome: ShadowOutcome, sample?: MismatchSample) => void,
  ): void {
    if (inFlight >= opts.maxInFlight) {
      tally.skipped++;
      return;
    }
    inFlight++;
    readOther()
      .then((other) => {
        const [oldRecord, newRecord] = served.side === 'old' ? [served.record, other] : [other, served.record];
        const fields = differingFields(oldRecord, newRecord);
        if (!fields.length) {
          tally.matches++;
          return done('match');
        }
        tally.mismatches++;
        const sample = { entity, key, fields, at: new Date().toISOString() };
        samples.push(sample);
        if (samples.length > opts.sampleSize) samples.shift();
        done('mismatch', sample);
      }, () => {
        tally.errors++;
        done('error');
      })
      .finally(() => inFlight--);
  }

  return {
    compare,
    stats: () => ({ ...tally, inFlight, samples: [...samples] }),
  };
}

export type ShadowStats = ReturnType<ReturnType<typeof shadowComparer>['stats']>;
