import type { ConnectionKind } from '../connections';
import type { MigrationSpec } from '../spec/schema';

/** What preflight learned about the servers, gathered before judging it. */
export interface ServerFacts {
  source?: { name: string; kind: ConnectionKind; walLevel?: string };
  target?: { name: string; kind: ConnectionKind; isFerretDb?: boolean };
}

/** Blockers about the servers rather than one entity: CDC prerequisites and the MongoDB dialect. */
export function serverBlockers(spec: MigrationSpec, facts: ServerFacts): string[] {
  const blockers: string[] = [];
  const { source, target } = facts;
  if (spec.sync === 'cdc' && source?.kind === 'postgres' && source.walLevel !== 'logical') {
    blockers.push(`source ${source.name}: wal_level is ${source.walLevel}; sync "cdc" needs wal_level = logical (postgresql.conf, then restart)`);
  }
  if (spec.sync === 'cdc' && source?.kind === 'mongodb') blockers.push('sync "cdc" needs a PostgreSQL source; use "dual_write"');
  if (target?.kind === 'mongodb' && spec.target.dialect === 'mongodb' && target.isFerretDb) {
    blockers.push(`target ${target.name} is FerretDB, which rejects Decimal128, NaN and Infinity: set target.dialect to "ferretdb"`);
  }
  return blockers;
}
