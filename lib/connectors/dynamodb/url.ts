import { ConnectionConfigError } from '../../connections';

/** What a dynamodb:// connection URL names (docs/spec.md, "Connections"). */
export interface DynamoLocation {
  region: string;
  /** An endpoint other than AWS's (dynalite, a VPC endpoint); absent = AWS for the region. */
  endpoint?: string;
  /** Segments of a parallel scan (Segment/TotalSegments). */
  segments: number;
}

/**
 * dynamodb://<region>[?endpoint=http://127.0.0.1:4567][&segments=4]. Credentials never appear
 * in the URL: they come from the environment or the AWS default chain (dynamodb/client.ts).
 */
export function parseDynamoUrl(url: string): DynamoLocation {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConnectionConfigError('a DynamoDB URL reads dynamodb://<region>[?endpoint=<url>]');
  }
  if (u.username || u.password)
    throw new ConnectionConfigError('a DynamoDB URL carries no credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or an AWS profile in the worker');
  const region = u.hostname;
  if (!/^[a-z0-9-]+$/.test(region))
    throw new ConnectionConfigError(`a DynamoDB URL names its region as host, e.g. dynamodb://eu-west-1 (got ${JSON.stringify(region)})`);
  const endpoint = u.searchParams.get('endpoint') ?? undefined;
  if (endpoint && !/^https?:\/\/[^/?#]+\/?$/.test(endpoint))
    throw new ConnectionConfigError(`the endpoint of a DynamoDB URL is http(s)://host[:port] (got ${JSON.stringify(endpoint)})`);
  const segments = Number(u.searchParams.get('segments') ?? 4);
  if (!Number.isInteger(segments) || segments < 1 || segments > 1000)
    throw new ConnectionConfigError('segments in a DynamoDB URL is a whole number from 1 to 1000');
  for (const name of u.searchParams.keys())
    if (name !== 'endpoint' && name !== 'segments')
      throw new ConnectionConfigError(`unknown DynamoDB URL parameter ${JSON.stringify(name)} (endpoint, segments)`);
  return { region, endpoint, segments };
}

/** An endpoint on this machine: a local emulator such as dynalite, which checks no credentials. */
export function isLoopback(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  const host = new URL(endpoint).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}
