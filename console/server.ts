/**
 * The operator console's HTTP server (hono on node:http): the page, a JSON API over Temporal,
 * and the actions, each one the same workflow update the CLI sends, with the authenticated actor as `by`.
 */
import { readFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { serve } from '@hono/node-server';
import { Context, Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import * as switchyard from '../lib/client';
import type { Session } from '../lib/client';
import { phaseSchema } from '../lib/spec/lifecycle';
import type { ControlAction, MigrationStatus } from '../workflows/migration-api';
import { Access, accessFor, actorOf, COOKIE, CSRF_HEADER, csrfValid, hostAllowed, loopbackHosts, sameOrigin } from './access';
import { scrubForPage } from './scrub';
import { listMigrations, migrationView } from './views';

export interface ConsoleOptions {
  host: string;
  port: number;
  /** SWITCHYARD_CONSOLE_TOKEN's value. */
  tokens?: string;
  /** Who acts when no token is configured (loopback). */
  localActor: string;
}

const ACTIONS = ['approve', 'pause', 'resume', 'throttle', 'rollback', 'abort'] as const satisfies readonly ControlAction[];
const approveActionSchema = z.enum(['repair', 'retry', 'wait', 'flip']);

/** An action's body as the page sends it; `by` is never taken from it. */
const actionBodySchema = z.strictObject({
  note: z.string().max(2000).optional(),
  reason: z.string().max(2000).optional(),
  to: phaseSchema.optional(),
  rowsPerSecond: z.number().int().min(0).optional(),
  approveAction: approveActionSchema.optional(),
});
type ActionBody = z.infer<typeof actionBodySchema>;

const consequenceParamsSchema = z.object({
  action: z.enum(ACTIONS),
  to: phaseSchema.optional(),
  rowsPerSecond: z.coerce.number().int().min(0).optional(),
  approveAction: approveActionSchema.optional(),
});

const send: Record<ControlAction, (s: Session, id: string, by: string, b: ActionBody) => Promise<MigrationStatus>> = {
  approve: (s, id, by, b) => switchyard.approve(s, id, { by, note: b.note, ...(b.approveAction ? { action: b.approveAction } : {}) }),
  pause: (s, id, by, b) => switchyard.pause(s, id, { by, reason: b.reason }),
  resume: (s, id, by, b) => switchyard.resume(s, id, { by, reason: b.reason }),
  throttle: (s, id, by, b) => switchyard.throttle(s, id, { by, reason: b.reason, rowsPerSecond: b.rowsPerSecond ?? -1 }),
  rollback: (s, id, by, b) => switchyard.rollback(s, id, { by, to: b.to, reason: b.reason ?? '' }),
  abort: (s, id, by, b) => switchyard.abort(s, id, { by, reason: b.reason ?? '' }),
};

const PAGE = join(__dirname, 'page');
const UPLOT = dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: join(PAGE, 'index.html'), type: 'text/html; charset=utf-8' },
  '/app.js': { file: join(PAGE, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: join(PAGE, 'style.css'), type: 'text/css; charset=utf-8' },
  '/uplot.js': { file: join(UPLOT, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  '/uplot.css': { file: join(UPLOT, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

/** JSON scrubbed of connection URLs and secrets: nothing the workflow reports may carry one to the page. */
const json = (c: Context, data: unknown, status: 200 | 400 | 401 | 403 | 409 | 500 = 200) =>
  c.body(scrubForPage(JSON.stringify(data)), status, { 'content-type': 'application/json; charset=utf-8' });

function failure(c: Context, err: unknown) {
  const refused = switchyard.refusal(err);
  return json(c, { error: (refused ?? (err as Error)).message ?? String(err) }, refused ? 409 : 500);
}

export function consoleApp(session: Session, access: Access): Hono<{ Variables: { actor: string } }> {
  const app = new Hono<{ Variables: { actor: string } }>();
  app.use('*', async (c, next) => {
    if (!hostAllowed(access, c.req.header('host'))) return c.text('unknown host', 403);
    await next();
    // Never framed (clickjacking), scripts and styles from this origin only.
    c.header('content-security-policy', "default-src 'self'; frame-ancestors 'none'; form-action 'self'");
    c.header('x-frame-options', 'DENY');
    c.header('cache-control', 'no-store');
  });

  for (const [path, asset] of Object.entries(ASSETS)) app.get(path, (c) => c.body(readFileSync(asset.file), 200, { 'content-type': asset.type }));

  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    const token = typeof form.token === 'string' ? form.token : '';
    if (!sameOrigin(c.req.header('origin'), c.req.header('host')) || !actorOf(access, token, undefined)) {
      return c.redirect('/?login=failed', 303);
    }
    setCookie(c, COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/' });
    return c.redirect('/', 303);
  });

  app.use('/api/*', async (c, next) => {
    const bearer = c.req.header('authorization')?.replace(/^Bearer\s+/i, '');
    const actor = actorOf(access, bearer, getCookie(c, COOKIE));
    if (!actor) return json(c, { error: 'sign in with a console token (SWITCHYARD_CONSOLE_TOKEN)' }, 401);
    const action = c.req.method !== 'GET';
    if (action && !(csrfValid(access, c.req.header(CSRF_HEADER)) && sameOrigin(c.req.header('origin'), c.req.header('host')))) {
      return json(c, { error: 'cross-site request refused (missing or wrong CSRF token, or a foreign Origin)' }, 403);
    }
    c.set('actor', actor);
    await next();
  });

  app.get('/api/session', (c) => json(c, { actor: c.get('actor'), csrf: access.csrf }));

  app.get('/api/migrations', async (c) => {
    try {
      return json(c, await listMigrations(session, c.req.query('state') || undefined));
    } catch (err) {
      return failure(c, err);
    }
  });

  app.get('/api/migrations/:id', async (c) => {
    try {
      return json(c, await migrationView(session, c.req.param('id')));
    } catch (err) {
      return failure(c, err);
    }
  });

  app.get('/api/migrations/:id/consequence', async (c) => {
    const params = consequenceParamsSchema.safeParse(c.req.query());
    if (!params.success) return json(c, { error: params.error.issues.map((i) => i.message).join('; ') }, 400);
    try {
      return json(c, await switchyard.consequence(session, c.req.param('id'), params.data));
    } catch (err) {
      return failure(c, err);
    }
  });

  app.post('/api/migrations/:id/:action', async (c) => {
    const action = z.enum(ACTIONS).safeParse(c.req.param('action'));
    const body = actionBodySchema.safeParse(await c.req.json().catch(() => undefined));
    if (!action.success || !body.success) return json(c, { error: 'unknown action or malformed body' }, 400);
    try {
      return json(c, await send[action.data](session, c.req.param('id'), c.get('actor'), body.data));
    } catch (err) {
      return failure(c, err);
    }
  });
  return app;
}

/** Serves the console until `close()`; its own Temporal connection closes with it. */
export async function startConsole(opts: ConsoleOptions): Promise<{ url: string; close: () => Promise<void> }> {
  const access = accessFor(opts.host, opts.tokens, opts.localActor);
  const { close: closeTemporal, ...session } = await switchyard.connectTemporal();
  access.hosts = loopbackHosts(opts.host, opts.port);
  const app = consoleApp(session, access);
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: opts.host, port: opts.port }, () => resolve(s));
    s.once('error', reject);
  }).catch(async (err: Error) => {
    await closeTemporal();
    throw new Error(`the console cannot listen on ${opts.host}:${opts.port}: ${err.message}`, { cause: err });
  });
  const { port } = server.address() as AddressInfo;
  access.hosts = loopbackHosts(opts.host, port);
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await closeTemporal();
    },
  };
}
