import { ConnectionConfigError, connectionEnvVar, connectionUrl, ResolvedConnection } from '../connections';
import { cassandraEngine } from './cassandra/engine';
import { dynamoEngine } from './dynamodb/engine';
import type { Engine } from './engine';
import { mongoEngine } from './mongo/engine';
import { mysqlEngine } from './mysql/engine';
import { pgEngine } from './pg/engine';

/** Every engine the product speaks. Adding one is its folder under lib/connectors/ plus a line here. */
export const ENGINES: readonly Engine[] = [pgEngine, mongoEngine, mysqlEngine, dynamoEngine, cassandraEngine];

/** The engine serving this connection's URL scheme. */
export function engineFor(conn: Pick<ResolvedConnection, 'kind'>): Engine {
  const engine = ENGINES.find((e) => e.kind === conn.kind);
  if (!engine) throw new Error(`no engine of kind ${JSON.stringify(conn.kind)}`);
  return engine;
}

/** A connection name resolved to its URL (from SWITCHYARD_CONN_<NAME>) and the engine that serves it. */
export function resolveConnection(name: string, env: NodeJS.ProcessEnv = process.env): ResolvedConnection {
  const url = connectionUrl(name, env, supportedSchemes());
  const engine = ENGINES.find((e) => e.schemes.includes(url.scheme));
  if (!engine) {
    throw new ConnectionConfigError(
      `connection ${name}: unsupported URL scheme ${JSON.stringify(url.scheme)} in ${connectionEnvVar(name)} (expected ${supportedSchemes()})`,
    );
  }
  return { name: url.name, kind: engine.kind, url: url.url, redacted: url.redacted };
}

function supportedSchemes(): string {
  return ENGINES.map((e) => `${e.schemes[0]}://`).join(' or ');
}
