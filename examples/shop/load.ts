/**
 * The shop's load generator: an open-loop stream of HTTP requests at a fixed rate (it does not
 * slow down when the service does, as real users would not), for a bounded time or until
 * stopped, with a mix of reads, inserts, updates, order changes and deletes over the seeded users
 * and the ones it inserts itself.
 */
export type Op = 'get' | 'insert' | 'update' | 'add_order' | 'remove_order' | 'delete';

export const DEFAULT_MIX: Record<Op, number> = { get: 60, insert: 8, update: 14, add_order: 10, remove_order: 4, delete: 4 };

export interface LoadOptions {
  baseUrl: string;
  ratePerSecond: number;
  durationMs: number;
  /** Users 1..seededUsers exist at the start; inserts use ids after them. */
  seededUsers: number;
  mix?: Record<Op, number>;
  /** Requests in flight beyond this are not sent (counted as `shed`), so a stalled service cannot exhaust the client. */
  maxInFlight?: number;
  /** A request without an answer by then fails, as a user would give up; stop() never waits longer. */
  requestTimeoutMs?: number;
}

export interface LoadStats {
  sent: number;
  served: number;
  failed: number;
  shed: number;
  inFlight: number;
  byOp: Record<Op, { served: number; failed: number }>;
  p50Ms: number;
  p99Ms: number;
  /** The first few failures, for diagnosis. */
  failures: string[];
}

export interface Load {
  stats(): LoadStats;
  /** Stops sending, waits for the requests in flight and returns the final figures. */
  stop(): Promise<LoadStats>;
  /** Resolves with the final figures once the duration is over (or stop() was called). */
  done: Promise<LoadStats>;
}

const TICK_MS = 20;

export function startLoad(o: LoadOptions): Load {
  const mix = o.mix ?? DEFAULT_MIX;
  const maxInFlight = o.maxInFlight ?? 500;
  const started = Date.now();
  let nextUserId = o.seededUsers + 1;
  let sent = 0;
  let shed = 0;
  const inFlight = new Set<Promise<void>>();
  const latencies: number[] = [];
  const failures: string[] = [];
  const byOp = Object.fromEntries(Object.keys(mix).map((op) => [op, { served: 0, failed: 0 }])) as LoadStats['byOp'];

  /** Orders this generator placed, [user, order], so removals hit real orders. */
  const placed: [number, number][] = [];
  const randomUser = () => 1 + Math.floor(Math.random() * (nextUserId - 1));
  const request = (op: Op): [string, string, unknown?] => {
    const id = randomUser();
    switch (op) {
      case 'get':
        return ['GET', `/users/${id}`];
      case 'insert': {
        const fresh = nextUserId++;
        return ['POST', `/users/${fresh}`, { email: `new${fresh}@example.com`, name: `New ${fresh}`, country: 'NL' }];
      }
      case 'update':
        return ['PUT', `/users/${id}`, { name: `User ${id} v${sent}` }];
      case 'add_order':
        return ['POST', `/users/${id}/orders`, { amount_cents: 100 + (sent % 5000) }];
      case 'remove_order': {
        // A random order placed earlier (its user may have been deleted since: a 404, which is an answer).
        const [user, order] = placed.splice(Math.floor(Math.random() * placed.length), 1)[0] ?? [id, 0];
        return ['DELETE', `/users/${user}/orders/${order}`];
      }
      case 'delete':
        return ['DELETE', `/users/${id}`];
    }
  };

  const fire = (op: Op) => {
    const [method, path, payload] = request(op);
    const t0 = performance.now();
    const p = fetch(`${o.baseUrl}${path}`, {
      method,
      headers: payload === undefined ? undefined : { 'content-type': 'application/json' },
      body: payload === undefined ? undefined : JSON.stringify(payload),
      signal: AbortSignal.timeout(o.requestTimeoutMs ?? 30_000),
    })
      .then(async (res) => {
        const text = await res.text();
        if (op === 'add_order' && res.status === 201) {
          const orders = (JSON.parse(text) as { orders: { id: number }[] }).orders;
          placed.push([Number(path.split('/')[2]), orders[orders.length - 1].id]);
        }
        // 404 is an answer (a user deleted meanwhile, a guessed order id); 4xx other than that and 5xx are failures.
        if (res.status >= 400 && res.status !== 404) throw new Error(`${method} ${path}: HTTP ${res.status}`);
        latencies.push(performance.now() - t0);
        byOp[op].served++;
      })
      .catch((err: unknown) => {
        byOp[op].failed++;
        if (failures.length < 20) failures.push(err instanceof Error ? err.message : String(err));
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  const pick = weightedPicker(mix);
  let stopped = false;
  let finish!: () => void;
  const ended = new Promise<void>((resolve) => (finish = resolve));
  const timer = setInterval(() => {
    const elapsed = Date.now() - started;
    if (elapsed >= o.durationMs) return finish();
    const due = Math.floor((elapsed / 1000) * o.ratePerSecond) - sent - shed;
    for (let i = 0; i < due; i++) {
      if (inFlight.size >= maxInFlight) shed++;
      else {
        sent++;
        fire(pick());
      }
    }
  }, TICK_MS);

  const stats = (): LoadStats => {
    const sorted = [...latencies].sort((a, b) => a - b);
    const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0);
    const sum = (k: 'served' | 'failed') => Object.values(byOp).reduce((n, c) => n + c[k], 0);
    return {
      sent,
      served: sum('served'),
      failed: sum('failed'),
      shed,
      inFlight: inFlight.size,
      byOp: structuredClone(byOp),
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      failures: [...failures],
    };
  };

  const done = ended.then(async () => {
    stopped = true;
    clearInterval(timer);
    await Promise.allSettled([...inFlight]);
    return stats();
  });
  return {
    stats,
    done,
    stop: () => {
      if (!stopped) finish();
      return done;
    },
  };
}

function weightedPicker<T extends string>(weights: Record<T, number>): () => T {
  const entries = Object.entries(weights) as [T, number][];
  const total = entries.reduce((n, [, w]) => n + w, 0);
  return () => {
    let r = Math.random() * total;
    for (const [op, w] of entries) {
      if ((r -= w) < 0) return op;
    }
    return entries[entries.length - 1][0];
  };
}
