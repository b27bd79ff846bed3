import type { Pool } from 'pg';

/**
 * The routing gauges (phase, read percentage, routing version) are read from the control store at
 * each scrape, not set by the worker that published: with several workers, the one that published
 * last is only one of them, and the others would go on reporting an older phase. Every control
 * store this process has used is read.
 */
const stores = new Set<Pool>();

export function reportRoutingOf(pool: Pool): void {
  stores.add(pool);
}

export interface RoutingFigure {
  migrationId: string;
  phase: string;
  readPercent: number;
  version: number;
}

let reading: Promise<RoutingFigure[] | undefined> | undefined;

/**
 * Every migration's routing in those stores; undefined when one could not be read (the gauges then
 * keep their last values). The gauges of one scrape collect together and share one read.
 */
export function routingFigures(): Promise<RoutingFigure[] | undefined> {
  reading ??= readAll().finally(() => (reading = undefined));
  return reading;
}

async function readAll(): Promise<RoutingFigure[] | undefined> {
  const out: RoutingFigure[] = [];
  for (const pool of stores) {
    try {
      const { rows } = await pool.query<RoutingFigure>(
        `SELECT migration_id AS "migrationId", phase, read_percent::float AS "readPercent", version::int AS version FROM switchyard.routing_state`,
      );
      out.push(...rows);
    } catch (err) {
      // No routing yet in a store this worker has only probed: nothing to report from it.
      if ((err as { code?: string }).code === '42P01') continue;
      return undefined;
    }
  }
  return out;
}
