/**
 * Streams a prepared CDC migration to the end of the WAL in its own process, so the test can read
 * this process's peak memory: `node --import tsx cdc-huge-main.ts`, spec JSON in CDC_SPEC. Prints
 * one JSON line: the stream's final state and how far the resident set grew above its size once
 * the stream had applied the first (small) transaction.
 */
import { openStream } from '../../lib/cdc';
import { closeAllClients } from '../../lib/connectors/clients';
import type { MigrationSpec } from '../../lib/spec/schema';

void (async () => {
  const spec = JSON.parse(process.env.CDC_SPEC as string) as MigrationSpec;
  const stream = await openStream(spec.id, spec, { maxRetainedBytes: 1024 ** 3 });
  // The first transaction is a small one: applying it opens and loads the connectors.
  let state = await stream.step(1, () => undefined);
  const openRss = process.memoryUsage.rss();
  do state = await stream.step(Number(process.env.CDC_BATCH_MESSAGES), () => undefined);
  while (!state.caughtUp);
  await stream.close();
  await closeAllClients();
  // maxRSS is in kilobytes: the highest the resident set ever was, however briefly.
  console.log(JSON.stringify({ state, growthBytes: process.resourceUsage().maxRSS * 1024 - openRss }));
})();
