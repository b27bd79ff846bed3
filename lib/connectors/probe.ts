import type { ResolvedConnection } from '../connections';
import { redactSecrets } from '../redact';
import { engineFor } from './engines';
import { describeError } from './probe-steps';

/** What preflight learns about one connection. Plain data: it goes into workflow history. */
export interface ConnectionReport {
  name: string;
  kind: ResolvedConnection['kind'];
  /** The URL with its password replaced; safe for history and logs. */
  address: string;
  ok: boolean;
  serverVersion?: string;
  product?: string;
  user?: string;
  /** PostgreSQL: the database; MongoDB: the database probed (the URL's, else `switchyard`). */
  database?: string;
  /** PostgreSQL: the current schema, where canRead and canWrite were checked. */
  schema?: string;
  /** PostgreSQL: USAGE on the current schema. MongoDB: a find on the database succeeds. */
  canRead?: boolean;
  /**
   * PostgreSQL: a table can be created in the current schema (as the quarantine table and the
   * control store need). MongoDB: a collection can be created and written in the database.
   */
  canWrite?: boolean;
  latencyMs?: number;
  error?: string;
}

/** `database` (document stores): where reading and writing are proven; default the URL's database. */
export async function probeConnection(conn: ResolvedConnection, database?: string): Promise<ConnectionReport> {
  const base = { name: conn.name, kind: conn.kind, address: conn.redacted };
  const started = Date.now();
  try {
    const { readError, writeError, ...facts } = await engineFor(conn).probe(conn, database);
    const problems = [readError && `cannot read: ${readError}`, writeError && `cannot write: ${writeError}`].filter(Boolean);
    return {
      ...base,
      ok: problems.length === 0,
      ...facts,
      canRead: !readError,
      canWrite: !writeError,
      ...(problems.length ? { error: redactSecrets(problems.join('; ')) } : {}),
      latencyMs: Date.now() - started,
    };
  } catch (err) {
    return { ...base, ok: false, error: redactSecrets(describeError(err)), latencyMs: Date.now() - started };
  }
}
