/**
 * Streams a prepared CDC migration to the end of the WAL in its own process, so the test can read
 * this process's memory: `node --expose-gc --import tsx cdc-huge-main.ts`, spec JSON in CDC_SPEC.
 * Prints one JSON line: the stream's final state and how far the live memory (JavaScript heap plus
 * the buffers outside it, after a full collection) grew above its size once the stream had applied
 * the first (small) transaction, at the largest of the page boundaries in between. Live memory, not
 * the resident set: how much garbage the collector leaves and the allocator keeps depends on the
 * machine's load, what the stream holds does not.
 */
import { openStream } from '../../lib/cdc';
import { closeAllClients } from '../../lib/connectors/clients';
import type { MigrationSpec } from '../../lib/spec/schema';

void (async () => {
  const spec = JSON.parse(process.env.CDC_SPEC as string) as MigrationSpec;
  const stream = await openStream(spec.id, spec, { maxRetainedBytes: 1024 ** 3 });
  // The first transaction is a small one: applying it opens and loads the connectors.
  let state = await stream.step(1, () => undefined);
  const open = liveBytes();
  let peak = open;
  const sample = () => (peak = Math.max(peak, liveBytes()));
  do state = await stream.step(Number(process.env.CDC_BATCH_MESSAGES), () => undefined, sample);
  while (!state.caughtUp);
  await stream.close();
  await closeAllClients();
  console.log(JSON.stringify({ state, growthBytes: peak - open }));
})();

function liveBytes(): number {
  (globalThis as { gc?: () => void }).gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}
