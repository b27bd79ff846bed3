import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Item } from './codec';
import { withThrottleRetry } from './retry';
import { TOMBSTONE } from './tombstone';

export interface ScanOptions {
  table: string;
  segments: number;
  /** Attribute names to read (all when absent). */
  attributes?: string[];
}

/**
 * One full parallel scan (Segment/TotalSegments), every segment paging at DynamoDB's 1 MB pages,
 * tombstones left out by the server. Items arrive in hash order, never key order; `each` sees one
 * page at a time, so memory is a page per segment.
 */
export async function parallelScan(client: DynamoDBClient, options: ScanOptions, each: (items: Item[]) => void | Promise<void>): Promise<void> {
  const names: Record<string, string> = { '#tomb': TOMBSTONE };
  options.attributes?.forEach((a, i) => (names[`#a${i}`] = a));
  const segment = async (n: number) => {
    let start: Item | undefined;
    do {
      const page = await withThrottleRetry(options.table, 'scan', () =>
        client.send(
          new ScanCommand({
            TableName: options.table,
            Segment: n,
            TotalSegments: options.segments,
            ExclusiveStartKey: start,
            ConsistentRead: true,
            FilterExpression: 'attribute_not_exists(#tomb)',
            ProjectionExpression: options.attributes?.map((_, i) => `#a${i}`).join(', '),
            ExpressionAttributeNames: names,
          }),
        ),
      );
      await each((page.Items ?? []) as Item[]);
      start = page.LastEvaluatedKey as Item | undefined;
    } while (start);
  };
  await Promise.all(Array.from({ length: options.segments }, (_, n) => segment(n)));
}
