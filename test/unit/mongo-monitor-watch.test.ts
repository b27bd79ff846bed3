import { EventEmitter } from 'node:events';
import type { MongoClient } from 'mongodb';
import { watchMonitor } from '../../lib/connectors/mongo-monitor-watch';

afterEach(() => jest.useRealTimers());

test('a client whose monitor keeps beating is left alone; one whose monitor falls silent is reported once', () => {
  jest.useFakeTimers();
  const client = new EventEmitter();
  const stalled = jest.fn();
  watchMonitor(client as unknown as MongoClient, 30_000, stalled);
  // Heartbeats every 10 s, started and failed alike, for two minutes: a monitor at work.
  for (let t = 0; t < 120_000; t += 10_000) {
    jest.advanceTimersByTime(10_000);
    client.emit(t % 20_000 ? 'serverHeartbeatFailed' : 'serverHeartbeatStarted', {});
  }
  expect(stalled).not.toHaveBeenCalled();
  // Then nothing: reported once the silence passes the limit, and only once.
  jest.advanceTimersByTime(30_000);
  expect(stalled).not.toHaveBeenCalled();
  jest.advanceTimersByTime(5_000);
  expect(stalled).toHaveBeenCalledTimes(1);
  jest.advanceTimersByTime(120_000);
  expect(stalled).toHaveBeenCalledTimes(1);
});

test('closing the client stops the watch', () => {
  jest.useFakeTimers();
  const client = new EventEmitter();
  const stalled = jest.fn();
  watchMonitor(client as unknown as MongoClient, 30_000, stalled);
  client.emit('topologyClosed');
  jest.advanceTimersByTime(120_000);
  expect(stalled).not.toHaveBeenCalled();
});
