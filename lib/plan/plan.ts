import { ConnectionConfigError, resolveConnection, ResolvedConnection } from '../connections';
import { mongoClient, pgPool } from '../connectors/clients';
import { openSource } from '../connectors/open';
import { probeConnection } from '../connectors/probe';
import { compileMapping } from '../mapping/entity';
import { redactSecrets } from '../redact';
import type { EntitySpec, MigrationSpec, SideSpec } from '../spec/schema';
import { checkTable, TableFindings, TableRequirements, walLevel } from './pg-checks';

/** What preflight learned about one entity. Plain data: it may go into workflow history. */
export interface EntityPlan {
  entity: string;
  source: string;
  target: string;
  key: string[];
  version?: string;
  estimatedRows?: number;
  indexes: string[];
  blockers: string[];
}

export interface MigrationPlan {
  entities: EntityPlan[];
  /** Blockers that are not about one entity (connections, wal_level). */
  blockers: string[];
}

/** Every blocker, one line each, naming what is wrong and where. */
export function allBlockers(plan: MigrationPlan): string[] {
  return [...plan.blockers, ...plan.entities.flatMap((e) => e.blockers.map((b) => `entity ${e.entity}: ${b}`))];
}

/**
 * Checks a spec against the real databases without changing anything: tables, columns, keys,
 * versions, permissions, server capabilities. Shared by `switchyard plan` and the preflight phase.
 */
export async function planMigration(spec: MigrationSpec): Promise<MigrationPlan> {
  const plan: MigrationPlan = { entities: [], blockers: [] };
  const source = await reachable(spec.source, 'source', plan.blockers);
  const target = await reachable(spec.target, 'target', plan.blockers);
  if (spec.sync === 'cdc' && source?.kind === 'postgres') {
    const level = await withPg(source, walLevel);
    if (level !== 'logical') plan.blockers.push(`source ${source.name}: wal_level is ${level}; sync "cdc" needs wal_level = logical (postgresql.conf, then restart)`);
  }
  if (spec.sync === 'cdc' && source?.kind === 'mongodb') plan.blockers.push('sync "cdc" needs a PostgreSQL source; use "dual_write"');
  if (target?.kind === 'mongodb' && spec.target.dialect === 'mongodb' && (await isFerretDb(target))) {
    plan.blockers.push(`target ${target.name} is FerretDB, which rejects Decimal128, NaN and Infinity: set target.dialect to "ferretdb"`);
  }
  for (const entity of spec.entities) plan.entities.push(await planEntity(spec, entity, source, target));
  return plan;
}

async function planEntity(spec: MigrationSpec, entity: EntitySpec, source?: ResolvedConnection, target?: ResolvedConnection): Promise<EntityPlan> {
  const mapping = compileMapping(entity);
  const plan: EntityPlan = {
    entity: entity.name,
    source: describeSide(spec.source, source, entity.from),
    target: describeSide(spec.target, target, entity.to),
    key: mapping.sourceKey,
    version: mapping.sourceVersion,
    indexes: [],
    blockers: [],
  };
  const add = (f: TableFindings) => {
    plan.blockers.push(...f.blockers);
    plan.indexes.push(...f.indexes);
  };
  const embedded = (side: 'source' | 'target') => entity.embed.map((e): TableRequirements => ({
    role: 'embedded child table', table: e.table, key: e.key, columns: [e.foreignKey], lookupColumn: e.foreignKey, needsWrite: side === 'target',
  }));
  if (source?.kind === 'postgres' && entity.from.table) {
    const reqs = [{ role: 'source table', table: entity.from.table, key: mapping.sourceKey, version: mapping.sourceVersion, columns: [], needsWrite: false }, ...embedded('source')];
    for (const r of reqs) add(await withPg(source, (c) => checkTable(c, r)));
  }
  if (target?.kind === 'postgres' && entity.to.table) {
    const reqs = [{ role: 'target table', table: entity.to.table, key: mapping.targetKey, version: mapping.targetVersion, columns: [], needsWrite: true }, ...embedded('target')];
    for (const r of reqs) add(await withPg(target, (c) => checkTable(c, r)));
  }
  if (source?.kind === 'mongodb' && entity.from.collection) {
    const names = await (await mongoClient(source)).db(spec.source.database!).listCollections({ name: entity.from.collection }).toArray();
    if (!names.length) plan.blockers.push(`source collection ${spec.source.database}.${entity.from.collection} does not exist`);
  }
  if (!plan.blockers.length && source) {
    plan.estimatedRows = await openSource(spec, entity.name).estimate().catch(() => undefined);
  }
  return plan;
}

async function reachable(side: SideSpec, role: string, blockers: string[]): Promise<ResolvedConnection | undefined> {
  let conn: ResolvedConnection;
  try {
    conn = resolveConnection(side.connection);
  } catch (err) {
    if (!(err instanceof ConnectionConfigError)) throw err;
    blockers.push(`${role}: ${err.message}`);
    return undefined;
  }
  const report = await probeConnection(conn);
  if (!report.canRead) {
    blockers.push(`${role} ${conn.name} (${conn.redacted}) is not reachable: ${redactSecrets(report.error ?? 'unknown error')}`);
    return undefined;
  }
  if (role === 'target' && !report.canWrite) blockers.push(`target ${conn.name}: no write permission (${redactSecrets(report.error ?? 'write probe failed')})`);
  return conn;
}

async function withPg<T>(conn: ResolvedConnection, work: (client: import('pg').PoolClient) => Promise<T>): Promise<T> {
  const client = await pgPool(conn).connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}

async function isFerretDb(conn: ResolvedConnection): Promise<boolean> {
  const info = await (await mongoClient(conn)).db('admin').command({ buildInfo: 1 });
  return typeof info.ferretdbVersion === 'string';
}

function describeSide(side: SideSpec, conn: ResolvedConnection | undefined, store: { table?: string; collection?: string }): string {
  const where = store.table ?? `${side.database}.${store.collection}`;
  return `${conn?.kind ?? (store.table ? 'postgres' : 'mongodb')} ${side.connection} ${where}`;
}
