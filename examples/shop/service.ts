import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inSpan } from '../../lib/tracing/spans';
import type { ShopUsers, UserFields } from './users';

/**
 * The shop's HTTP API (node:http, no framework), served through the router:
 *   GET /users/:id · POST /users/:id · PUT /users/:id · DELETE /users/:id
 *   POST /users/:id/orders {amount_cents} · DELETE /users/:id/orders/:orderId
 *   GET /metrics: the router's Prometheus metrics (docs/router.md)
 * A database error is a 500 with a generic body; the cause stays in the server (it may name hosts).
 */
export interface ShopService {
  url: string;
  close(): Promise<void>;
}

class BadRequest extends Error {}

/** A prom-client Registry, or anything that renders Prometheus text the same way. */
export interface MetricsSource {
  contentType: string;
  metrics(): Promise<string>;
}

const ROUTE = /^\/users\/(\d+)(?:\/orders(?:\/(\d+))?)?$/;

export async function startShopService(users: ShopUsers, port = 0, metrics?: MetricsSource): Promise<ShopService> {
  const server = createServer((req, res) => {
    if (metrics && req.method === 'GET' && req.url === '/metrics') {
      void metrics.metrics().then((text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text));
      return;
    }
    handle(users, req, res).catch((err: unknown) => {
      if (err instanceof BadRequest) return send(res, 400, { error: err.message });
      if (process.env.SHOP_DEBUG) console.error('shop service:', err);
      send(res, 500, { error: 'internal error' });
    });
  });
  // Keep-alive connections of the load generator must not hold close() up.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(users: ShopUsers, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const m = ROUTE.exec(req.url ?? '');
  if (!m) return send(res, 404, { error: 'no such route' });
  const id = Number(m[1]);
  const orders = req.url!.includes('/orders');
  const orderId = m[2] === undefined ? undefined : Number(m[2]);
  const route = `${req.method} ${orders ? (orderId === undefined ? 'orders' : 'order') : 'user'}`;
  // The request's span: the router's spans for it become its children (no-op without a tracer provider).
  await inSpan(`shop ${route}`, { 'http.method': req.method ?? '', 'shop.user': id }, () => serve(users, route, id, orderId, req, res));
}

async function serve(users: ShopUsers, route: string, id: number, orderId: number | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
  switch (route) {
    case 'GET user': {
      const user = await users.get(id);
      return user ? send(res, 200, user) : send(res, 404, { error: 'no such user' });
    }
    case 'POST user':
      return send(res, 201, await users.create(id, userFields(await body(req))));
    case 'PUT user':
      return found(res, await users.update(id, userFields(await body(req), true)));
    case 'DELETE user':
      await users.remove(id);
      return send(res, 204);
    case 'POST orders': {
      const { amount_cents } = await body(req);
      if (!Number.isInteger(amount_cents)) throw new BadRequest('amount_cents must be an integer');
      return found(res, await users.addOrder(id, amount_cents as number), 201);
    }
    case 'DELETE order':
      return found(res, await users.removeOrder(id, orderId!), 204);
    default:
      return send(res, 405, { error: `${req.method} not allowed here` });
  }
}

function found(res: ServerResponse, outcome: Awaited<ReturnType<ShopUsers['update']>>, status = 200): void {
  if (!outcome.found) return send(res, 404, { error: 'no such user or order' });
  send(res, status, status === 204 ? undefined : outcome.value);
}

/** Only the known string fields; with `partial`, missing ones are left out instead of refused. */
function userFields(b: Record<string, unknown>, partial = false): UserFields {
  const out: Partial<UserFields> = {};
  for (const f of ['email', 'name', 'country'] as const) {
    if (typeof b[f] === 'string') out[f] = b[f] as string;
    else if (!partial) throw new BadRequest(`${f} is required`);
  }
  return out as UserFields;
}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
  } catch {
    throw new BadRequest('the body is not JSON');
  }
}

function send(res: ServerResponse, status: number, payload?: unknown): void {
  if (payload === undefined) {
    res.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(payload, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  res.writeHead(status, { 'content-type': 'application/json' }).end(text);
}
