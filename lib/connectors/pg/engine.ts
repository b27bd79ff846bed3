import type { PoolClient } from 'pg';
import type { ResolvedConnection } from '../../connections';
import { childColumns } from '../../plan/spec-columns';
import { pgPool } from '../clients';
import type { Engine, OpenSide, PlanSide, SidePlan } from '../engine';
import { tableSideOptions } from '../table-side';
import { pgEntity, PgEntityOptions } from './entity';
import { checkTable, TableRequirements, walLevel } from './plan-checks';
import { probePostgres } from './probe';

export const pgEngine: Engine = {
  kind: 'postgres',
  product: 'PostgreSQL',
  schemes: ['postgresql', 'postgres'],
  stores: 'table',
  changeCapture: () => import('../../cdc/pg-capture').then((m) => m.pgCapture),
  open: (side) => pgEntity(pgEntityOptions(side)),
  probe: (conn) => probePostgres(conn),
  serverBlockers: async (spec, role, conn) => (spec.sync === 'cdc' && role === 'source' ? walLevelBlockers(conn.name, await withPg(conn, walLevel)) : []),
  planSide,
};

/** A PostgreSQL side as the connector and the direct COPY path take it. */
export function pgEntityOptions(side: OpenSide): PgEntityOptions {
  return {
    ...tableSideOptions(side),
    children: side.embeds ? side.entity.embed.map((e) => ({ table: e.table, key: e.key, foreignKey: e.foreignKey, as: e.as })) : [],
  };
}

export function walLevelBlockers(connection: string, level: string): string[] {
  return level === 'logical' ? [] : [`source ${connection}: wal_level is ${level}; sync "cdc" needs wal_level = logical (postgresql.conf, then restart)`];
}

async function planSide(p: PlanSide): Promise<SidePlan> {
  const isSource = p.side === 'source';
  const out: SidePlan = { blockers: [], indexes: [] };
  const check = async (req: TableRequirements) => {
    const found = await withPg(p.conn, (c) => checkTable(c, req));
    out.blockers.push(...found.blockers);
    out.indexes.push(...found.indexes);
    return found;
  };
  const table = await check({
    role: `${p.side} table`,
    table: p.name,
    key: isSource ? p.mapping.sourceKey : p.mapping.targetKey,
    version: isSource ? p.mapping.sourceVersion : p.mapping.targetVersion,
    columns: p.fields,
    needsWrite: !isSource,
  });
  if (isSource && table.columns.length) out.fields = table.columns;
  for (const e of p.entity.embed) {
    await check({
      role: 'embedded child table',
      table: e.table,
      key: e.key,
      columns: [e.foreignKey, ...childColumns(e, p.side)],
      lookupColumn: e.foreignKey,
      needsWrite: !isSource,
    });
  }
  return out;
}

async function withPg<T>(conn: ResolvedConnection, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pgPool(conn).connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}
