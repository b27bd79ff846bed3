import { ConnectionConfigError, resolveConnection, ResolvedConnection } from '../connections';
import { mongoClient, pgPool } from '../connectors/clients';
import { openSource } from '../connectors/open';
import { ConnectionReport, probeConnection } from '../connectors/probe';
import { compileMapping } from '../mapping/entity';
import { redactSecrets } from '../redact';
import type { EntitySpec, MigrationSpec, SideSpec } from '../spec/schema';
import { checkTable, TableRequirements, walLevel } from './pg-checks';
import { serverBlockers } from './server-blockers';
import { childColumns, namedSourceFields, targetFields } from './spec-columns';

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

/** Where preflight proved reading and writing: the database names a grant may be limited to. */
export type CheckedConnection = { role: string; connection: string } & Pick<ConnectionReport, 'database' | 'canRead' | 'canWrite'>;

export interface MigrationPlan {
  connections: CheckedConnection[];
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
 * versions, permissions, server capabilities. Run by `switchyard plan` through a worker (activities/plan-checks.ts).
 */
export async function planMigration(spec: MigrationSpec): Promise<MigrationPlan> {
  const plan: MigrationPlan = { connections: [], entities: [], blockers: [] };
  const source = await reachable(spec.source, 'source', plan);
  const target = await reachable(spec.target, 'target', plan);
  plan.blockers.push(
    ...serverBlockers(spec, {
      source: source && {
        name: source.name,
        kind: source.kind,
        walLevel: spec.sync === 'cdc' && source.kind === 'postgres' ? await withPg(source, walLevel) : undefined,
      },
      target: target && { name: target.name, kind: target.kind, isFerretDb: target.kind === 'mongodb' && (await isFerretDb(target)) },
    }),
  );
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
  const check = async (conn: ResolvedConnection, req: TableRequirements) => {
    const found = await withPg(conn, (c) => checkTable(c, req));
    plan.blockers.push(...found.blockers);
    plan.indexes.push(...found.indexes);
    return found;
  };
  const embedded = (side: 'source' | 'target') =>
    entity.embed.map((e): TableRequirements => ({
      role: 'embedded child table',
      table: e.table,
      key: e.key,
      columns: [e.foreignKey, ...childColumns(e, side)],
      lookupColumn: e.foreignKey,
      needsWrite: side === 'target',
    }));
  // What a record carries into the target: every source column when the catalog shows them, else what the spec names.
  let sourceFields = [...mapping.sourceKey, ...(mapping.sourceVersion ? [mapping.sourceVersion] : []), ...namedSourceFields(entity)];
  if (source?.kind === 'postgres' && entity.from.table) {
    const table = await check(source, {
      role: 'source table',
      table: entity.from.table,
      key: mapping.sourceKey,
      version: mapping.sourceVersion,
      columns: namedSourceFields(entity),
      needsWrite: false,
    });
    if (table.columns.length) sourceFields = table.columns;
    for (const r of embedded('source')) await check(source, r);
  }
  if (target?.kind === 'postgres' && entity.to.table) {
    await check(target, {
      role: 'target table',
      table: entity.to.table,
      key: mapping.targetKey,
      version: mapping.targetVersion,
      columns: targetFields(mapping, sourceFields),
      needsWrite: true,
    });
    for (const r of embedded('target')) await check(target, r);
  }
  if (source?.kind === 'mongodb' && entity.from.collection) {
    const names = await (await mongoClient(source)).db(spec.source.database!).listCollections({ name: entity.from.collection }).toArray();
    if (!names.length) plan.blockers.push(`source collection ${spec.source.database}.${entity.from.collection} does not exist`);
  }
  if (!plan.blockers.length && source) {
    plan.estimatedRows = await openSource(spec, entity.name)
      .estimate()
      .catch(() => undefined);
  }
  return plan;
}

async function reachable(side: SideSpec, role: string, plan: MigrationPlan): Promise<ResolvedConnection | undefined> {
  const { blockers } = plan;
  let conn: ResolvedConnection;
  try {
    conn = resolveConnection(side.connection);
  } catch (err) {
    if (!(err instanceof ConnectionConfigError)) throw err;
    blockers.push(`${role}: ${err.message}`);
    return undefined;
  }
  // The write probe goes where the migration writes; a source database is only read, so it is left alone.
  const report = await probeConnection(conn, { database: role === 'target' ? side.database : undefined });
  plan.connections.push({ role, connection: conn.name, database: report.database, canRead: report.canRead, canWrite: report.canWrite });
  if (!report.canRead) {
    // No canRead at all means the probe never got an answer; false means it connected and was refused.
    const what = report.canRead === undefined ? 'is not reachable' : 'cannot be read';
    blockers.push(`${role} ${conn.name} (${conn.redacted}) ${what}: ${redactSecrets(report.error ?? 'unknown error')}`);
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
