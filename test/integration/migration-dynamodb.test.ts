import { DeleteItemCommand, DescribeTableCommand, ListTagsOfResourceCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { RETIRED_MARK } from '../../lib/connectors/retired-name';
import { useDataStack } from './backfill-fixtures';
import { dynamoFixture, DynamoFixture } from './dynamodb-fixtures';
import { migrateToPostgres } from './widecol-reverse';
import { migrateWithDualWrites, verifyInjectedDifferences, WideTarget } from './widecol-scenarios';

/** PostgreSQL ↔ DynamoDB (dynalite) through the workflow: backfill, verification, router writes and reads, every phase. */
const h = useDataStack('mig_dynamo');
let dyn: DynamoFixture;
const target: WideTarget = { connection: 'DYNAMO', table: (name) => dyn.table(name, ['id', 'N']) };

beforeAll(() => {
  dyn = dynamoFixture();
});

afterAll(async () => {
  await dyn.close();
});

test('a migration walks every phase into DynamoDB; dual writes through the router land on both sides', () => migrateWithDualWrites(h, target));

test('DynamoDB → PostgreSQL: misfits quarantined by column, router reads, decommission marks the table and a rollback unmarks it', () =>
  migrateToPostgres(h, {
    connection: 'DYNAMO',
    table: (name) => dyn.table(name, ['id', 'N']),
    mark: async (table) => {
      const { Table } = await dyn.client.send(new DescribeTableCommand({ TableName: table }));
      const { Tags } = await dyn.client.send(new ListTagsOfResourceCommand({ ResourceArn: Table!.TableArn }));
      return Tags?.find((t) => t.Key === RETIRED_MARK)?.Value;
    },
  }));

test('verification names injected differences by key and field, and reconcile repairs them', () =>
  verifyInjectedDifferences(h, target, {
    setQty: async (table, id, qty) =>
      void (await dyn.client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { id: { N: String(id) } },
          UpdateExpression: 'SET qty = :q',
          ExpressionAttributeValues: { ':q': { N: String(qty) } },
        }),
      )),
    setNameAndAttrs: async (table, id) =>
      void (await dyn.client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { id: { N: String(id) } },
          UpdateExpression: 'SET #n = :n, attrs.color = :c',
          ExpressionAttributeNames: { '#n': 'name' },
          ExpressionAttributeValues: { ':n': { S: 'tampered' }, ':c': { S: 'red' } },
        }),
      )),
    remove: async (table, id) => void (await dyn.client.send(new DeleteItemCommand({ TableName: table, Key: { id: { N: String(id) } } }))),
    addGhost: async (table) =>
      void (await dyn.client.send(
        new PutItemCommand({ TableName: table, Item: { id: { N: '5000' }, name: { S: 'ghost' }, qty: { N: '1' }, version: { N: '1' } } }),
      )),
  }));
