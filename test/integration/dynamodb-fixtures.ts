import { DeleteTableCommand, DynamoDBClient, ScalarAttributeType } from '@aws-sdk/client-dynamodb';
import { resolveConnection } from '../../lib/connectors/engines';
import { dynamoClient } from '../../lib/connectors/dynamodb/client';
import { dynamoEntity, DynamoEntityOptions } from '../../lib/connectors/dynamodb/entity';
import { createTableInput, ensureTable } from '../../lib/connectors/dynamodb/table';
import { uniqueName } from '../support/temporal';

/** Tables on the stack's DynamoDB (dynalite, SWITCHYARD_CONN_DYNAMO), each dropped at close. */
export interface DynamoFixture {
  client: DynamoDBClient;
  /** Creates a uniquely named table keyed by a partition key (and sort key); returns its name. */
  table(prefix: string, partition: [string, ScalarAttributeType], sort?: [string, ScalarAttributeType]): Promise<string>;
  /** A target-side connector on one of those tables (records stored as they are). */
  entity(table: string, key: string[], version?: string): ReturnType<typeof dynamoEntity>;
  close(): Promise<void>;
}

export function dynamoFixture(): DynamoFixture {
  const conn = resolveConnection('DYNAMO');
  const client = dynamoClient(conn);
  const tables: string[] = [];
  const same = <T>(r: T) => r;
  return {
    client,
    async table(prefix, partition, sort) {
      const name = uniqueName(prefix);
      await ensureTable(client, createTableInput(name, { name: partition[0], type: partition[1] }, sort && { name: sort[0], type: sort[1] }));
      tables.push(name);
      return name;
    },
    entity(table, key, version) {
      const options: DynamoEntityOptions = {
        entity: table,
        side: 'target',
        conn,
        table,
        key,
        recordKey: key,
        version,
        toRecord: same,
        fromRecord: same,
        quarantined: same,
      };
      return dynamoEntity(options);
    },
    async close() {
      await Promise.all(tables.map((t) => client.send(new DeleteTableCommand({ TableName: t })).catch(() => undefined)));
    },
  };
}
