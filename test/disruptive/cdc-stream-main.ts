/**
 * A CDC consumer in its own process for the kill test: `tsx cdc-stream-main.ts`, spec JSON in
 * CDC_SPEC. Streams forever; prints "ready" once it holds the slot. A busy slot (the killed
 * process's session not yet gone) is retried, as Temporal would retry the activity.
 */
import { openStream, SlotBusyError, Stream } from '../../lib/cdc';
import type { MigrationSpec } from '../../lib/spec/schema';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

void (async () => {
  const spec = JSON.parse(process.env.CDC_SPEC as string) as MigrationSpec;
  let stream: Stream | undefined;
  while (!stream) {
    stream = await openStream(spec.id, spec, { maxRetainedBytes: 1024 ** 3 }).catch(async (err) => {
      if (!(err instanceof SlotBusyError)) throw err;
      await sleep(200);
      return undefined;
    });
  }
  console.log('ready');
  for (;;) {
    const state = await stream.step(2000, () => undefined);
    if (state.caughtUp) await sleep(50);
  }
})();
