import { DeleteItemCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { ResolvedConnection } from '../../connections';
import type { ProbeFacts } from '../engine';
import { errorOf, uniqueProbeName } from '../probe-steps';
import { dynamoClient } from './client';
import { quarantineItems } from './quarantine';
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
      await quarantineItems(client, []);
      await client.send(new PutItemCommand({ TableName: 'switchyard_quarantine', Item: { id } }));
      await client.send(new DeleteItemCommand({ TableName: 'switchyard_quarantine', Key: { id } }));
    }),
  };
}
