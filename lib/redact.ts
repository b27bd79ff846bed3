/**
 * Credentials must never reach a log line, an error message or workflow history, so every
 * string that may carry a connection URL (or a driver error quoting one) goes through here.
 */
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)([^\s:@/]+)(:[^\s@/]*)?@/gi;
const PASSWORD_PARAM = /((?:password|pwd|pass)=)[^&\s]*/gi;

/** postgresql://app:s3cret@db:5432/x → postgresql://app:***@db:5432/x */
export function redactUrl(url: string): string {
  return url
    .replace(URL_CREDENTIALS, (_m, scheme: string, user: string, pw?: string) => `${scheme}${user}${pw ? ':***' : ''}@`)
    .replace(PASSWORD_PARAM, '$1***');
}

/** Scrubs URL credentials and any configured connection password from free text. */
export function redactSecrets(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = redactUrl(text);
  for (const secret of configuredPasswords(env)) out = out.split(secret).join('***');
  return out;
}

function configuredPasswords(env: NodeJS.ProcessEnv): string[] {
  const found: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith('SWITCHYARD_CONN_') || !value) continue;
    try {
      const pw = decodeURIComponent(new URL(value).password);
      // Very short passwords would mangle ordinary words; they are still removed from URLs above.
      if (pw.length >= 4) found.push(pw);
    } catch {
      // Not a parseable URL: nothing to learn from it here; connections.ts reports it.
    }
  }
  return found;
}

/**
 * Scrubs an error's message, stack and chain of causes in place, so everything else about it
 * (its class, a failure's type and nonRetryable flag) stays as it was. A thrown string is
 * returned scrubbed.
 */
export function redactError<T>(err: T, seen = new Set<unknown>()): T {
  if (typeof err === 'string') return redactSecrets(err) as T;
  if (!(err instanceof Error) || seen.has(err)) return err;
  seen.add(err);
  err.message = redactSecrets(err.message);
  if (err.stack) err.stack = redactSecrets(err.stack);
  if (err.cause !== undefined) err.cause = redactError(err.cause, seen);
  return err;
}

/** A copy of a log argument with every string scrubbed (errors are scrubbed in place), a few levels deep. */
export function redactLogValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string' || value instanceof Error) return redactError(value);
  if (value === null || typeof value !== 'object' || depth >= 5) return value;
  if (Array.isArray(value)) return value.map((v) => redactLogValue(v, depth + 1));
  // Dates, Buffers and class instances are logged as they are; only plain data is walked.
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactLogValue(v, depth + 1)]));
}
