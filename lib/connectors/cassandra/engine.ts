import type { Engine } from '../engine';
import { cassandraEntity } from './entity';
import { planCassandraSide } from './plan';
import { probeCassandra } from './probe';

/** Apache Cassandra (and CQL servers such as ScyllaDB): cassandra://host[:port]/keyspace. */
export const cassandraEngine: Engine = {
  kind: 'cassandra',
  product: 'Cassandra',
  schemes: ['cassandra'],
  stores: 'table',
  open: (side) =>
    cassandraEntity({
      entity: side.entity.name,
      side: side.side,
      conn: side.conn,
      table: side.name,
      key: side.storedKey,
      recordKey: side.recordKey,
      version: side.version,
      microseconds: side.entity.microseconds,
      toRecord: side.toRecord,
      fromRecord: side.fromRecord,
      quarantined: side.quarantined,
    }),
  probe: (conn) => probeCassandra(conn),
  planSide: planCassandraSide,
};
