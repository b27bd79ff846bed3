/**
 * Who may use the console and how requests prove it. On loopback anyone on the machine may (as the
 * CLI's default actor); bound elsewhere, every request must carry a token from
 * SWITCHYARD_CONSOLE_TOKEN, whose actor is recorded as `by` on every action. Action endpoints also
 * need the per-process CSRF token the page reads from /api/session and a same-origin Origin, and
 * every request needs a Host this server answers to (a rebound DNS name pointing at 127.0.0.1 does not).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

export interface Access {
  /** Token digest (hex) → actor. Empty: no token needed (loopback only). */
  tokens: Map<string, string>;
  /** Actor of requests when no token is configured. */
  localActor: string;
  /** Required in the X-Switchyard-CSRF header of every action. */
  csrf: string;
  /** Host headers answered when bound to loopback (set once the port is known); undefined: any (a token is required then). */
  hosts?: Set<string>;
}

export const COOKIE = 'switchyard_console';
export const CSRF_HEADER = 'x-switchyard-csrf';

const digest = (token: string) => createHash('sha256').update(token).digest();

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/**
 * SWITCHYARD_CONSOLE_TOKEN: comma-separated `actor:token` pairs, or one bare token whose actor is
 * the local actor. Refuses a non-loopback bind without one.
 */
export function accessFor(host: string, tokenVar: string | undefined, localActor: string): Access {
  const tokens = new Map<string, string>();
  for (const entry of (tokenVar ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const colon = entry.indexOf(':');
    const [actor, token] = colon > 0 ? [entry.slice(0, colon), entry.slice(colon + 1)] : [localActor, entry];
    if (token.length < 16) throw new Error('each SWITCHYARD_CONSOLE_TOKEN token must be at least 16 characters long');
    tokens.set(digest(token).toString('hex'), actor);
  }
  if (!isLoopback(host) && tokens.size === 0) {
    throw new Error(`the console binds to ${host}, beyond loopback: set SWITCHYARD_CONSOLE_TOKEN (actor:token, comma-separated) so requests must authenticate`);
  }
  return { tokens, localActor, csrf: randomBytes(24).toString('base64url') };
}

/** The Host headers a loopback console answers to; none to check beyond loopback, where the token guards. */
export function loopbackHosts(host: string, port: number): Set<string> | undefined {
  if (!isLoopback(host)) return undefined;
  return new Set(['127.0.0.1', 'localhost', '[::1]', host.includes(':') ? `[${host}]` : host].map((h) => `${h}:${port}`));
}

/** The actor a request authenticates as, or null when it must not be served. */
export function actorOf(access: Access, bearer: string | undefined, cookie: string | undefined): string | null {
  if (access.tokens.size === 0) return access.localActor;
  for (const presented of [bearer, cookie]) {
    if (!presented) continue;
    const d = digest(presented);
    for (const [known, actor] of access.tokens) if (timingSafeEqual(d, Buffer.from(known, 'hex'))) return actor;
  }
  return null;
}

export function hostAllowed(access: Access, host: string | undefined): boolean {
  return !access.hosts || (host !== undefined && access.hosts.has(host.toLowerCase()));
}

/** An action must come from the console's own page: its CSRF token, and no foreign Origin. */
export function csrfValid(access: Access, csrf: string | undefined): boolean {
  return !!csrf && csrf.length === access.csrf.length && timingSafeEqual(Buffer.from(csrf), Buffer.from(access.csrf));
}

/** Browsers send Origin on cross-site POSTs; one naming another host is refused. */
export function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (!origin) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
