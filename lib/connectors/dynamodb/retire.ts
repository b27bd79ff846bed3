import {
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTagsOfResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-dynamodb';
import { RETIRED_MARK, retiredByMark } from '../retired-name';
import type { RetiredName } from '../types';

/**
 * Decommission of a DynamoDB table, which cannot be renamed: retiring tags it (RETIRED_MARK = the
 * migration's tag), a restore removes that tag, and a drop deletes only a table carrying it
 * (docs/phases.md, "Decommission"). The table keeps its name, so its data stays readable as it is.
 */
export async function retireTable(client: DynamoDBClient, table: string, tag: string): Promise<RetiredName[]> {
  const { arn, mark } = await marked(client, table);
  if (mark !== undefined && mark !== tag) throw new Error(`DynamoDB table ${table} is already retired by migration ${mark}`);
  if (mark === undefined) await client.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: RETIRED_MARK, Value: tag }] }));
  return [retiredByMark(table, tag)];
}

export async function restoreTable(client: DynamoDBClient, table: string, tag: string): Promise<RetiredName[]> {
  const { arn, mark } = await marked(client, table);
  if (mark === tag) await client.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: [RETIRED_MARK] }));
  return [retiredByMark(table, tag)];
}

export async function dropRetiredTable(client: DynamoDBClient, table: string, tag: string): Promise<RetiredName[]> {
  const found = await marked(client, table).catch((err: unknown) => {
    if (err instanceof Error && err.name === 'ResourceNotFoundException') return undefined;
    throw err;
  });
  if (found?.mark !== tag) return [];
  await client.send(new DeleteTableCommand({ TableName: table }));
  return [retiredByMark(table, tag)];
}

async function marked(client: DynamoDBClient, table: string): Promise<{ arn: string; mark?: string }> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
  const arn = Table!.TableArn!;
  const { Tags } = await client.send(new ListTagsOfResourceCommand({ ResourceArn: arn }));
  return { arn, mark: Tags?.find((t) => t.Key === RETIRED_MARK)?.Value };
}
