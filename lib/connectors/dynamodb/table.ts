import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException, ScalarAttributeType } from '@aws-sdk/client-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';

export interface KeyAttribute {
  name: string;
  type: ScalarAttributeType;
}

/**
 * The CreateTable input for a table keyed by a partition key and an optional sort key,
 * on-demand capacity: what `plan` proposes and what switchyard's own tables use.
 */
export function createTableInput(table: string, partition: KeyAttribute, sort?: KeyAttribute) {
  const keys = sort ? [partition, sort] : [partition];
  return {
    TableName: table,
    AttributeDefinitions: keys.map((k) => ({ AttributeName: k.name, AttributeType: k.type })),
    KeySchema: keys.map((k, i) => ({ AttributeName: k.name, KeyType: i === 0 ? ('HASH' as const) : ('RANGE' as const) })),
    BillingMode: 'PAY_PER_REQUEST' as const,
  };
}

/** Creates the table unless it exists, and waits until it is ACTIVE. */
export async function ensureTable(client: DynamoDBClient, input: ReturnType<typeof createTableInput>): Promise<void> {
  try {
    await client.send(new CreateTableCommand(input));
  } catch (err) {
    if (!(err instanceof Error && err.name === 'ResourceInUseException')) throw err;
  }
  for (let i = 0; ; i++) {
    try {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: input.TableName }));
      if (Table?.TableStatus === 'ACTIVE') return;
    } catch (err) {
      if (!(err instanceof ResourceNotFoundException)) throw err;
    }
    if (i >= 600) throw new Error(`DynamoDB table ${input.TableName} did not become ACTIVE within 60 s`);
    await sleep(100);
  }
}
