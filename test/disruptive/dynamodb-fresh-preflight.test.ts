import { DeleteTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { closeAllClients } from '../../lib/connectors/clients';
import { dynamoClient } from '../../lib/connectors/dynamodb/client';
import { resolveConnection } from '../../lib/connectors/engines';
import { probeConnection } from '../../lib/connectors/probe';

/**
 * Preflight against a DynamoDB that has never seen switchyard: no quarantine table yet. Drops that
 * shared table, so it runs with the disruptive tests, alone (the next quarantine write re-creates it).
 */
afterAll(closeAllClients);

test('preflight on a DynamoDB without switchyard_quarantine creates it and proves writing there', async () => {
  const conn = resolveConnection('DYNAMO');
  const client = dynamoClient(conn);
  await client.send(new DeleteTableCommand({ TableName: 'switchyard_quarantine' })).catch((err: Error) => {
    if (err.name !== 'ResourceNotFoundException') throw err;
  });
  const report = await probeConnection(conn);
  expect(report).toMatchObject({ ok: true, canRead: true, canWrite: true });
  const { Table } = await client.send(new DescribeTableCommand({ TableName: 'switchyard_quarantine' }));
  expect(Table?.TableStatus).toBe('ACTIVE');
});
