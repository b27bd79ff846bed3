import type { Engine } from '../engine';
import { dynamoEntity } from './entity';
import { planDynamoSide } from './plan';
import { probeDynamo } from './probe';

/** Amazon DynamoDB (and the APIs that speak it, such as dynalite): dynamodb://<region>[?endpoint=…]. */
export const dynamoEngine: Engine = {
  kind: 'dynamodb',
  product: 'DynamoDB',
  schemes: ['dynamodb'],
  stores: 'table',
  open: (side) =>
    dynamoEntity({
      entity: side.entity.name,
      side: side.side,
      conn: side.conn,
      table: side.name,
      key: side.storedKey,
      recordKey: side.recordKey,
      version: side.version,
      toRecord: side.toRecord,
      fromRecord: side.fromRecord,
      quarantined: side.quarantined,
    }),
  probe: (conn) => probeDynamo(conn),
  planSide: planDynamoSide,
};
