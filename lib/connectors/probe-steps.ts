import { randomUUID } from 'node:crypto';

/** Steps every engine's preflight probe shares. */

export function uniqueProbeName(prefix: string): string {
  return `${prefix}${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

export async function errorOf(op: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await op();
    return undefined;
  } catch (err) {
    return describeError(err);
  }
}

export function describeError(err: unknown): string {
  if (err instanceof Error) {
    // AggregateError (e.g. ECONNREFUSED on both ::1 and 127.0.0.1) hides the useful part.
    const inner = (err as { errors?: unknown[] }).errors;
    if (!err.message && Array.isArray(inner) && inner.length) return describeError(inner[0]);
    return err.message || err.name;
  }
  return String(err);
}
