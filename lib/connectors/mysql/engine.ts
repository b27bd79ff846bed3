import type { PoolConnection } from 'mysql2/promise';
import type { ResolvedConnection } from '../../connections';
import type { Engine, PlanSide, SidePlan } from '../engine';
import { tableSideOptions } from '../table-side';
import { mysqlEntity } from './entity';
import { checkTable } from './plan-checks';
import { mysqlPool } from './pool';
import { probeMysql } from './probe';
import { binlogBlockers } from './server-checks';

/** MySQL 5.7/8.x and MariaDB, through mysql2; binlog CDC through @vlasky/zongji (binlog/). */
export const mysqlEngine: Engine = {
  kind: 'mysql',
  product: 'MySQL',
  schemes: ['mysql'],
  stores: 'table',
  changeCapture: () => import('./binlog/capture').then((m) => m.mysqlCapture),
  open: (side) => {
    if (side.embeds && side.entity.embed.length) throw new Error(`entity ${side.entity.name}: embedding child tables on a MySQL side is not supported yet`);
    return mysqlEntity(tableSideOptions(side));
  },
  probe: (conn) => probeMysql(conn),
  serverBlockers: async (spec, role, conn) => (spec.sync === 'cdc' && role === 'source' ? binlogBlockers(conn, spec) : []),
  planSide,
};

async function planSide(p: PlanSide): Promise<SidePlan> {
  const isSource = p.side === 'source';
  const blockers = p.entity.embed.length ? [`embedding child tables on a MySQL side is not supported yet (entity ${p.entity.name})`] : [];
  const found = await withConn(p.conn, (c) =>
    checkTable(c, {
      role: isSource ? 'source table' : 'target table',
      table: p.name,
      key: isSource ? p.mapping.sourceKey : p.mapping.targetKey,
      version: isSource ? p.mapping.sourceVersion : p.mapping.targetVersion,
      columns: p.fields,
    }),
  );
  return {
    blockers: [...blockers, ...found.blockers],
    warnings: found.warnings,
    indexes: found.indexes,
    ...(isSource && found.columns.length ? { fields: found.columns } : {}),
  };
}

async function withConn<T>(conn: ResolvedConnection, work: (c: PoolConnection) => Promise<T>): Promise<T> {
  const c = await mysqlPool(conn).getConnection();
  try {
    return await work(c);
  } finally {
    c.release();
  }
}
