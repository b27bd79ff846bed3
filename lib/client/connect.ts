import { Client, Connection } from '@temporalio/client';
import { TemporalConfig, temporalConfig } from '../config';
import { refusal } from './errors';

/** A Temporal client with the configuration it was made from (task queue, UI link). */
export interface Session {
  client: Client;
  config: TemporalConfig;
}

/** A client for the configured Temporal server; the caller closes it with `close()`. */
export async function connectTemporal(): Promise<Session & { close: () => Promise<void> }> {
  const config = temporalConfig();
  const connection = await Connection.connect({ address: config.address, connectTimeout: '5s' }).catch((err: Error) => {
    throw new Error(`cannot reach Temporal at ${config.address} (TEMPORAL_ADDRESS): ${err.message}`, { cause: err });
  });
  const client = new Client({ connection, namespace: config.namespace });
  return { client, config, close: () => connection.close() };
}

/**
 * Runs `fn` with a session and closes it afterwards. Errors an operator can act on (an unknown id,
 * a rejected update, a migration already running) come out as RequestRefused with the reason.
 */
export async function withTemporal<T>(fn: (session: Session) => Promise<T>): Promise<T> {
  const { close, ...session } = await connectTemporal();
  try {
    return await fn(session);
  } catch (err) {
    throw refusal(err) ?? err;
  } finally {
    await close();
  }
}
