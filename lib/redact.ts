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
