/**
 * The consumers the CDC benchmark runs side by side on the same source WAL: switchyard streams
 * (any target the spec names) and PostgreSQL's own subscription (the PG → PG baseline).
 */
import { Client } from 'pg';
import { cdcPrepare, cdcTeardown } from '../../activities/cdc';
import { openStream } from '../../lib/cdc';
import type { MigrationSpec } from '../../lib/spec/schema';
import { sleep } from './cdc-workload';

export interface Consumer {
  slot: string;
  /** Lag samples in seconds from the start of the burst until this consumer has drained it. */
  lags: number[];
  /** Stops sampling (this consumer has caught up with the burst); it keeps applying until stop(). */
  drained(): void;
  stop(): Promise<void>;
}

/**
 * A switchyard stream in a loop, as cdcStream runs it. Each batch gives one sample: the age of its
 * oldest change when the batch is acknowledged (the stream's own lagSeconds, taken at the peek,
 * plus the time the batch took to apply), i.e. how far behind the target was at worst.
 */
export async function switchyardConsumer(spec: MigrationSpec, batchMessages: number): Promise<Consumer> {
  await cdcPrepare({ migrationId: spec.id, spec });
  const stream = await openStream(spec.id, spec, { maxRetainedBytes: 8 * 1024 ** 3 });
  const lags: number[] = [];
  let sampling = true;
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      const s = await stream.step(batchMessages, () => undefined);
      if (sampling) lags.push(s.lagSeconds > 0 ? s.lagSeconds + (Date.now() - started) / 1000 : 0);
      if (s.caughtUp) await sleep(50);
    }
  })();
  return {
    slot: stream.names.slot,
    lags,
    drained: () => {
      sampling = false;
    },
    async stop() {
      running = false;
      await loop;
      await stream.close();
      await cdcTeardown({ migrationId: spec.id, spec });
    },
  };
}

/**
 * CREATE SUBSCRIPTION from `targetDb` to the source. A subscription to the same cluster cannot
 * create its slot itself (it would wait on its own transaction), so the slot is made first and the
 * subscription told not to create one. Lag is pg_stat_replication.replay_lag every 200 ms.
 */
export async function nativeConsumer(sourceUrl: string, target: Client): Promise<Consumer> {
  const name = 'cdc_bench_native';
  // Its own session: the sampler runs while the caller polls the source on another.
  const source = new Client({ connectionString: sourceUrl });
  await source.connect();
  await source.query(`create publication ${name} for table items`);
  await source.query(`select pg_create_logical_replication_slot('${name}', 'pgoutput')`);
  await target.query(`create subscription ${name} connection '${sourceUrl.replace(/'/g, "''")}' publication ${name}
    with (create_slot = false, slot_name = '${name}', copy_data = false)`);
  const lags: number[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const { rows } = await source.query(
        `select coalesce(extract(epoch from replay_lag), 0)::float8 as lag from pg_stat_replication where application_name = $1`,
        [name],
      );
      lags.push(Number(rows[0]?.lag ?? 0));
      await sleep(200);
    }
  })();
  return {
    slot: name,
    lags,
    drained: () => {
      sampling = false;
    },
    async stop() {
      sampling = false;
      await sampler;
      await target.query(`alter subscription ${name} disable`);
      await target.query(`alter subscription ${name} set (slot_name = none)`);
      await target.query(`drop subscription ${name}`);
      await source.query(`drop publication ${name}`);
      await source.query('select pg_drop_replication_slot($1)', [name]);
      await source.end();
    },
  };
}

/**
 * Milliseconds from `since` until each consumer's slot has confirmed `lsn`; a consumer stops
 * sampling lag as soon as it has (its idle samples afterwards would dilute the burst's).
 */
export async function drainTimes(source: Client, consumers: Consumer[], lsn: string, since: number): Promise<number[]> {
  const times: Array<number | undefined> = consumers.map(() => undefined);
  while (times.includes(undefined)) {
    const { rows } = await source.query<{ slot_name: string }>(`select slot_name from pg_replication_slots where confirmed_flush_lsn >= $1::pg_lsn`, [lsn]);
    const done = new Set(rows.map((r) => r.slot_name));
    consumers.forEach((k, i) => {
      if (times[i] !== undefined || !done.has(k.slot)) return;
      times[i] = Date.now() - since;
      k.drained();
    });
    await sleep(20);
  }
  return times as number[];
}
