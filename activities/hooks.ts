import { ApplicationFailure } from '@temporalio/common';
import Redis from 'ioredis';
import { connectionEnvVar } from '../lib/connections';
import { log } from '../lib/log';
import { redactSecrets } from '../lib/redact';
import type { Hook, HookEvent } from '../lib/spec/hooks';

export interface RunHookInput {
  hook: Hook;
  event: HookEvent;
}

export interface HookResult {
  /** Redis keys deleted. */
  deleted?: number;
  /** The webhook's HTTP status. */
  status?: number;
}

function urlOf(connection: string, schemes: string[]): string {
  const variable = connectionEnvVar(connection);
  const url = process.env[variable];
  if (!url) throw ApplicationFailure.nonRetryable(`hook connection ${connection} is not configured: set ${variable} in the worker's environment`, 'HookConfig');
  if (!schemes.some((s) => url.startsWith(`${s}://`))) {
    throw ApplicationFailure.nonRetryable(`hook connection ${connection}: ${variable} must be a ${schemes.join(' or ')} URL`, 'HookConfig');
  }
  return url;
}

/** Deletes every key matching the pattern; a second run deletes what is left, so retries are safe. */
async function invalidate(connection: string, pattern: string): Promise<number> {
  const redis = new Redis(urlOf(connection, ['redis', 'rediss']), { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5000 });
  try {
    await redis.connect();
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      if (keys.length) deleted += await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}

/** POSTs the event; the receiver can drop repeats by `Idempotency-Key` (migration and routing version). */
async function callWebhook(connection: string, event: HookEvent): Promise<number> {
  const res = await fetch(urlOf(connection, ['http', 'https']), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': `${event.migrationId}:${event.routingVersion}:${event.trigger}:${event.to}` },
    body: JSON.stringify(event),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`webhook ${connection} answered ${res.status}`);
  return res.status;
}

/** Runs one routing hook; a failure is retried by the workflow's policy, then reported in status. */
export async function runHook({ hook, event }: RunHookInput): Promise<HookResult> {
  try {
    const result: HookResult = {};
    if (hook.redis) result.deleted = await invalidate(hook.redis.connection, hook.redis.pattern);
    if (hook.webhook) result.status = await callWebhook(hook.webhook.connection, event);
    log.info({ migrationId: event.migrationId, trigger: event.trigger, to: event.to, ...result }, 'routing hook ran');
    return result;
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    // Driver errors may quote the URL: only its scrubbed message leaves the worker.
    throw new Error(redactSecrets(err instanceof Error ? err.message : String(err)));
  }
}
