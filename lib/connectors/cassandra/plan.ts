import type { PlanSide, SidePlan } from '../engine';
import { cassandraClient } from './client';
import { ident, tableShape } from './schema';
import { parseCassandraUrl } from './url';

/**
 * A Cassandra side fits when its table exists with the spec's key as its primary key (partition
 * key columns first, then clustering columns) and a column for every field. A missing target
 * table comes with the CREATE TABLE that makes it, column types left to fill in.
 */
export async function planCassandraSide(p: PlanSide): Promise<SidePlan> {
  const { keyspace } = parseCassandraUrl(p.conn.url);
  const key = p.side === 'source' ? p.mapping.sourceKey : p.mapping.targetKey;
  const out: SidePlan = { blockers: [], indexes: [] };
  const shape = await tableShape(await cassandraClient(p.conn), keyspace, p.name);
  if (!shape) {
    const columns = [...new Set([...key, ...p.fields])].map((f) => `${ident(f)} <type>`).join(', ');
    out.blockers.push(
      `${p.side} table ${keyspace}.${p.name} does not exist${
        p.side === 'target'
          ? `: create it, e.g. CREATE TABLE ${ident(keyspace)}.${ident(p.name)} (${columns}, PRIMARY KEY ((${ident(key[0])})${key
              .slice(1)
              .map((k) => `, ${ident(k)}`)
              .join('')}))`
          : ''
      }`,
    );
    return out;
  }
  const stored = [...shape.partition, ...shape.clustering];
  if (stored.join(',') !== key.join(','))
    out.blockers.push(`${p.side} table ${keyspace}.${p.name} has primary key (${stored.join(', ')}) but the spec's key is (${key.join(', ')})`);
  if (p.side === 'target') {
    const missing = p.fields.filter((f) => !shape.columns.has(f));
    if (missing.length) out.blockers.push(`target table ${keyspace}.${p.name} has no column for ${missing.join(', ')}`);
  }
  if (p.side === 'source') out.fields = [...shape.columns.keys()];
  return out;
}
