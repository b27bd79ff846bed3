import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ResolvedConnection } from '../../connections';
import { onCloseAllClients } from '../clients';
import { isLoopback, parseDynamoUrl } from './url';

const clients = new Map<string, DynamoDBClient>();

/**
 * One client per connection URL per process. Credentials: the AWS default chain (environment,
 * profile, SSO, container or instance role). A loopback endpoint (dynalite) checks none, so
 * without AWS_ACCESS_KEY_ID fixed local ones are used: the chain would otherwise go looking for
 * an instance role on the network.
 */
export function dynamoClient(conn: ResolvedConnection): DynamoDBClient {
  let client = clients.get(conn.url);
  if (!client) {
    const { region, endpoint } = parseDynamoUrl(conn.url);
    const local = isLoopback(endpoint) && !process.env.AWS_ACCESS_KEY_ID;
    client = new DynamoDBClient({
      region,
      endpoint,
      // Throttling is retried by the connector with its own backoff and reported (dynamodb/retry.ts).
      maxAttempts: 3,
      ...(local ? { credentials: { accessKeyId: 'switchyard-local', secretAccessKey: 'switchyard-local' } } : {}),
    });
    clients.set(conn.url, client);
  }
  return client;
}

onCloseAllClients(async () => {
  for (const c of clients.values()) c.destroy();
  clients.clear();
});
