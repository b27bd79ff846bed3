import { createServer, Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { DefaultLogger, LogLevel, Runtime } from '@temporalio/worker';
import { collectDefaultMetrics } from 'prom-client';
import { log } from '../lib/log';
import { registry } from '../lib/metrics';

/**
 * Two Prometheus endpoints per worker process, both on loopback by default:
 *   SWITCHYARD_METRICS_PORT (9464): switchyard's own metrics (phase, gates, rows copied) plus Node.js process metrics;
 *   SWITCHYARD_TEMPORAL_METRICS_PORT (9465): Temporal's runtime metrics (task latencies, slots, polls).
 * A second worker on the same machine finds the ports taken: it logs that and runs without them
 * rather than failing, because metrics must never stop a migration. "off" disables an endpoint.
 */
const HOST = process.env.SWITCHYARD_METRICS_HOST || '127.0.0.1';

function port(variable: string, fallback: number): number | undefined {
  const value = process.env[variable] ?? String(fallback);
  return value === 'off' ? undefined : Number(value);
}

function portFree(p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createTcpServer()
      .once('error', () => resolve(false))
      .once('listening', () => probe.close(() => resolve(true)))
      .listen(p, HOST);
  });
}

/** Installs the Temporal runtime with its Prometheus exporter and JSON logging; call before any connection is made. */
export async function installRuntimeMetrics(): Promise<void> {
  const p = port('SWITCHYARD_TEMPORAL_METRICS_PORT', 9465);
  const free = p !== undefined && (await portFree(p));
  if (p !== undefined && !free) log.warn({ port: p }, `Temporal runtime metrics port ${HOST}:${p} is taken; running without them`);
  Runtime.install({
    // Worker and workflow log lines (workflows log with migrationId and phase) as pino JSON lines.
    logger: new DefaultLogger('INFO', (entry) => {
      log[entry.level.toLowerCase() as Lowercase<LogLevel>](entry.meta ?? {}, entry.message);
    }),
    ...(free ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `${HOST}:${p}` } } } } : {}),
  });
  if (free) log.info({ port: p }, `Temporal runtime metrics on http://${HOST}:${p}/metrics`);
}

/** Serves switchyard's metrics; resolves once listening (or once it gave up on a taken port). */
export function serveMetrics(): Promise<Server | undefined> {
  const p = port('SWITCHYARD_METRICS_PORT', 9464);
  if (p === undefined) return Promise.resolve(undefined);
  collectDefaultMetrics({ register: registry });
  const server = createServer(async (req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
  });
  return new Promise((resolve) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      log.warn({ port: p, code: err.code }, `switchyard metrics port ${HOST}:${p} unavailable (${err.code}); running without it`);
      resolve(undefined);
    });
    server.listen(p, HOST, () => {
      log.info({ port: p }, `switchyard metrics on http://${HOST}:${p}/metrics`);
      resolve(server);
    });
  });
}
