import { DeleteItemCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { ResolvedConnection } from '../../connections';
import type { ProbeFacts } from '../engine';
import { errorOf, uniqueProbeName } from '../probe-steps';
import { dynamoClient } from './client';
import { ensureQuarantineTable } from './quarantine';
import { parseDynamoUrl } from './url';

/**
 * Reading is proven by listing tables; writing by creating switchyard's quarantine table (which a
 * target needs anyway) and writing and deleting a probe item in it.
 */
export async function probeDynamo(conn: ResolvedConnection): Promise<ProbeFacts> {
  const client = dynamoClient(conn);
  const { region, endpoint } = parseDynamoUrl(conn.url);
  const id = { S: uniqueProbeName('_switchyard_preflight_') };
  return {
    product: endpoint ? `DynamoDB API at ${endpoint}` : 'Amazon DynamoDB',
    database: region,
    readError: await errorOf(() => client.send(new ListTablesCommand({ Limit: 1 }))),
    writeError: await errorOf(async () => {
      const TableName = await ensureQuarantineTable(client);
      await client.send(new PutItemCommand({ TableName, Item: { id } }));
      await client.send(new DeleteItemCommand({ TableName, Key: { id } }));
    }),
  };
}
