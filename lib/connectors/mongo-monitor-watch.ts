import type { MongoClient } from 'mongodb';

const HEARTBEAT_EVENTS = ['serverHeartbeatStarted', 'serverHeartbeatSucceeded', 'serverHeartbeatFailed'] as const;

/**
 * Calls `onStalled` once if the client's server monitor falls silent for `silentLimitMs`. Only
 * the monitor finds a server again after it was unreachable, and every operation waits for it
 * (server selection). It runs a heartbeat at least every `heartbeatFrequencyMS`, each bounded by
 * the connect timeout, so a longer silence means it has stopped. We saw that happen to the
 * driver (7.x) after MongoDB came back from an outage (test/disruptive/e2e-shop.test.ts, scenario
 * 2): the client's server stayed Unknown for minutes while a new client connected in 40 ms.
 * Closing the client stops the watch.
 */
export function watchMonitor(client: MongoClient, silentLimitMs: number, onStalled: () => void): void {
  let last = Date.now();
  const beat = () => {
    last = Date.now();
  };
  for (const event of HEARTBEAT_EVENTS) client.on(event, beat);
  const timer = setInterval(
    () => {
      if (Date.now() - last <= silentLimitMs) return;
      stop();
      onStalled();
    },
    Math.min(5000, silentLimitMs),
  );
  timer.unref();
  function stop() {
    clearInterval(timer);
    for (const event of HEARTBEAT_EVENTS) client.off(event, beat);
  }
  client.once('topologyClosed', stop);
}
