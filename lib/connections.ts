import { redactUrl } from './redact';

/**
 * Specs and workflow inputs name connections; only the worker turns a name into a URL,
 * from SWITCHYARD_CONN_<NAME>, so URLs and passwords stay out of Temporal history.
 * This file stays free of drivers: the spec schema (in the workflow bundle) imports it.
 * lib/connectors/engines.ts resolves a name to its engine.
 */
export interface ResolvedConnection {
  name: string;
  /** The engine serving the URL's scheme (lib/connectors/engines.ts). */
  kind: string;
  url: string;
  /** Safe to print: the URL with its password replaced. */
  redacted: string;
}

export interface ConnectionUrl {
  name: string;
  url: string;
  /** Lower case, without "://". */
  scheme: string;
  redacted: string;
}

export const CONNECTION_NAME = /^[A-Z][A-Z0-9_]{0,62}$/;

export class ConnectionConfigError extends Error {}

export function connectionEnvVar(name: string): string {
  return `SWITCHYARD_CONN_${name}`;
}

/** `expected` names the URL forms a missing connection should be set to. */
export function connectionUrl(name: string, env: NodeJS.ProcessEnv = process.env, expected = 'a database'): ConnectionUrl {
  if (!CONNECTION_NAME.test(name)) {
    throw new ConnectionConfigError(`connection name ${JSON.stringify(name)} is invalid: use upper-case letters, digits and _ (e.g. SOURCE)`);
  }
  const variable = connectionEnvVar(name);
  const url = env[variable];
  if (!url) {
    throw new ConnectionConfigError(`connection ${name} is not configured: set ${variable} to a ${expected} URL in the worker's environment`);
  }
  return { name, url, scheme: url.slice(0, Math.max(0, url.indexOf(':'))).toLowerCase(), redacted: redactUrl(url) };
}
