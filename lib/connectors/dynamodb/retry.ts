import { setTimeout as sleep } from 'node:timers/promises';
import { log } from '../../log';
import { metrics } from '../../metrics';

/** DynamoDB's answers to too much throughput: retried after a backoff, never failed at once. */
const THROTTLED = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'LimitExceededException']);

export function isThrottled(err: unknown): boolean {
  return err instanceof Error && THROTTLED.has(err.name);
}

const BASE_MS = 50;
const MAX_MS = 5000;
/** About two minutes of backoff in all before the activity fails and Temporal retries it. */
const MAX_ROUNDS = 30;

/** Full-jitter exponential backoff for round `n` (0-based). */
export function backoffMs(n: number): number {
  return Math.random() * Math.min(MAX_MS, BASE_MS * 2 ** n);
}

/** Counts and logs one throttled round, so progress and metrics show a table at its limit. */
export function reportThrottled(table: string, what: string, round: number): void {
  metrics.throttled.inc({ engine: 'dynamodb', table });
  if (round === 0 || round % 10 === 9) log.warn({ table, what, round: round + 1 }, 'DynamoDB throttled the request; retrying after a backoff');
}

/** Runs `call`, retrying throttling errors with backoff (other errors are thrown as they are). */
export async function withThrottleRetry<T>(table: string, what: string, call: () => Promise<T>): Promise<T> {
  for (let round = 0; ; round++) {
    try {
      return await call();
    } catch (err) {
      if (!isThrottled(err) || round >= MAX_ROUNDS) throw err;
      reportThrottled(table, what, round);
      await sleep(backoffMs(round));
    }
  }
}

/**
 * A batch call whose answer lists what it left unprocessed (BatchWriteItem's UnprocessedItems,
 * BatchGetItem's UnprocessedKeys): the rest is sent again after a backoff until nothing is left.
 */
export async function untilProcessed<R>(table: string, what: string, first: R, call: (rest: R) => Promise<R | undefined>): Promise<void> {
  let rest: R | undefined = first;
  for (let round = 0; rest !== undefined; round++) {
    if (round > 0) {
      if (round > MAX_ROUNDS) throw new Error(`DynamoDB left part of a ${what} on ${table} unprocessed after ${MAX_ROUNDS} retries`);
      reportThrottled(table, what, round - 1);
      await sleep(backoffMs(round - 1));
    }
    const current: R = rest;
    rest = await withThrottleRetry(table, what, () => call(current));
  }
}
