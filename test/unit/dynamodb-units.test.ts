import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { fromDynamoNumber, toDynamoNumber } from '../../lib/connectors/dynamodb/numbers';
import { untilProcessed, withThrottleRetry } from '../../lib/connectors/dynamodb/retry';
import { parseDynamoUrl } from '../../lib/connectors/dynamodb/url';
import { Numeric } from '../../lib/mapping/values';
import { registry } from '../../lib/metrics';

const throttled = () => new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });

async function throttledCount(table: string): Promise<number> {
  const metric = await registry.getSingleMetric('switchyard_throttled_requests_total')!.get();
  return metric.values.filter((v) => v.labels.table === table).reduce((s, v) => s + v.value, 0);
}

describe('throttling', () => {
  test('ProvisionedThroughputExceeded is retried with backoff and counted; other errors are not', async () => {
    let calls = 0;
    const result = await withThrottleRetry('t_retry', 'put', async () => {
      if (++calls <= 3) throw throttled();
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(calls).toBe(4);
    expect(await throttledCount('t_retry')).toBe(3);
    await expect(
      withThrottleRetry('t_retry', 'put', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
  });

  test('unprocessed items are sent again until none are left', async () => {
    const sent: string[][] = [];
    await untilProcessed('t_unprocessed', 'batch write', ['a', 'b', 'c', 'd'], async (rest) => {
      sent.push(rest);
      return rest.length > 1 ? rest.slice(1) : undefined;
    });
    expect(sent).toEqual([['a', 'b', 'c', 'd'], ['b', 'c', 'd'], ['c', 'd'], ['d']]);
    expect(await throttledCount('t_unprocessed')).toBe(3);
  });
});

describe('numbers', () => {
  test.each([
    ['1.10', '1.1'],
    ['007', '7'],
    ['-0.000', '0'],
    ['1.5E+3', '1500'],
    ['0.00012', '0.00012'],
    ['99999999999999999999999999999999999999', '99999999999999999999999999999999999999'],
    ['1e-130', `0.${'0'.repeat(129)}1`],
  ])('%s is stored as %s', (text, stored) => expect(toDynamoNumber('f', text)).toBe(stored));

  test.each(['999999999999999999999999999999999999999', '1e126', '1e-131', 'Infinity', ''])('%s is refused', (text) =>
    expect(() => toDynamoNumber('f', text)).toThrow(/^f: /),
  );

  test('read back as the narrowest exact value', () => {
    expect(fromDynamoNumber('42')).toBe(42);
    expect(fromDynamoNumber('9007199254740993')).toBe(9007199254740993n);
    expect(fromDynamoNumber('99999999999999999999')).toEqual(new Numeric('99999999999999999999'));
    expect(fromDynamoNumber('0.1')).toBe(0.1);
    expect(fromDynamoNumber('0.10000000000000000001')).toEqual(new Numeric('0.10000000000000000001'));
  });
});

describe('dynamodb:// URLs', () => {
  test('region, endpoint and segments', () => {
    expect(parseDynamoUrl('dynamodb://eu-west-1')).toEqual({ region: 'eu-west-1', segments: 4 });
    expect(parseDynamoUrl('dynamodb://us-east-1?endpoint=http://127.0.0.1:4567&segments=8')).toEqual({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:4567',
      segments: 8,
    });
  });

  test.each([
    ['dynamodb://AKIA:secret@eu-west-1', /carries no credentials/],
    ['dynamodb://eu-west-1?endpoint=ftp://x', /http\(s\)/],
    ['dynamodb://eu-west-1?table=x', /unknown DynamoDB URL parameter "table"/],
    ['dynamodb://eu-west-1?segments=0', /whole number/],
  ])('%s is refused', (url, message) => expect(() => parseDynamoUrl(url)).toThrow(message));
});
