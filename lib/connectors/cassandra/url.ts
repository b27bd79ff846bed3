import { ConnectionConfigError } from '../../connections';

/** What a cassandra:// connection URL names (docs/spec.md, "Connections"). */
export interface CassandraLocation {
  contactPoints: string[];
  keyspace: string;
  /** The data center the driver treats as local (SimpleSnitch's is datacenter1). */
  localDataCenter: string;
  username?: string;
  password?: string;
  /** Token ranges a full scan is cut into, scanned a few at a time. */
  ranges: number;
}

const URL_FORM = /^cassandra:\/\/(?:([^:@/]+)(?::([^@/]*))?@)?([^/?]+)\/([A-Za-z][A-Za-z0-9_]{0,47})(?:\?(.*))?$/;

/**
 * cassandra://[user:password@]host[:port][,host[:port]…]/keyspace[?dc=datacenter1][&ranges=16].
 * Like the other connection URLs it comes from the worker's environment (SWITCHYARD_CONN_<NAME>).
 */
export function parseCassandraUrl(url: string): CassandraLocation {
  const m = URL_FORM.exec(url);
  if (!m) throw new ConnectionConfigError('a Cassandra URL reads cassandra://[user:password@]host[:port][,host[:port]]/keyspace[?dc=<data center>]');
  const [, user, password, hosts, keyspace, query] = m;
  const params = new URLSearchParams(query ?? '');
  for (const name of params.keys())
    if (name !== 'dc' && name !== 'ranges') throw new ConnectionConfigError(`unknown Cassandra URL parameter ${JSON.stringify(name)} (dc, ranges)`);
  const ranges = Number(params.get('ranges') ?? 16);
  if (!Number.isInteger(ranges) || ranges < 1 || ranges > 4096) throw new ConnectionConfigError('ranges in a Cassandra URL is a whole number from 1 to 4096');
  return {
    contactPoints: hosts.split(',').map((h) => (h.includes(':') ? h : `${h}:9042`)),
    keyspace,
    localDataCenter: params.get('dc') ?? 'datacenter1',
    ...(user ? { username: decodeURIComponent(user), password: decodeURIComponent(password ?? '') } : {}),
    ranges,
  };
}
