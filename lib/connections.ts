import { redactUrl } from './redact';

/**
 * Specs and workflow inputs name connections; only the worker turns a name into a URL,
 * from SWITCHYARD_CONN_<NAME>, so URLs and passwords stay out of Temporal history.
 */
export type ConnectionKind = 'postgres' | 'mongodb' | 'dynamodb' | 'cassandra';

export interface ResolvedConnection {
  name: string;
  kind: ConnectionKind;
  url: string;
  /** Safe to print: the URL with its password replaced. */
  redacted: string;
}

export const CONNECTION_NAME = /^[A-Z][A-Z0-9_]{0,62}$/;

export class ConnectionConfigError extends Error {}

export function connectionEnvVar(name: string): string {
  return `SWITCHYARD_CONN_${name}`;
}

export function resolveConnection(name: string, env: NodeJS.ProcessEnv = process.env): ResolvedConnection {
  if (!CONNECTION_NAME.test(name)) {
    throw new ConnectionConfigError(`connection name ${JSON.stringify(name)} is invalid: use upper-case letters, digits and _ (e.g. SOURCE)`);
  }
  const variable = connectionEnvVar(name);
  const url = env[variable];
  if (!url) {
    throw new ConnectionConfigError(`connection ${name} is not configured: set ${variable} to a postgresql:// or mongodb:// URL in the worker's environment`);
  }
  return { name, kind: kindOf(name, url), url, redacted: redactUrl(url) };
}

function kindOf(name: string, url: string): ConnectionKind {
  const scheme = url.slice(0, url.indexOf(':')).toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') return 'postgres';
  if (scheme === 'mongodb' || scheme === 'mongodb+srv') return 'mongodb';
  if (scheme === 'dynamodb') return 'dynamodb';
  if (scheme === 'cassandra') return 'cassandra';
  throw new ConnectionConfigError(
    `connection ${name}: unsupported URL scheme ${JSON.stringify(scheme)} in ${connectionEnvVar(name)} (expected postgresql://, mongodb://, dynamodb:// or cassandra://)`,
  );
}
