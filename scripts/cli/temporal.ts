import { Client, Connection } from '@temporalio/client';
import { temporalConfig } from '../../lib/config';

/** A client for the configured Temporal server; the caller closes it with `close()`. */
export async function temporalClient() {
  const config = temporalConfig();
  const connection = await Connection.connect({ address: config.address, connectTimeout: '5s' }).catch((err: Error) => {
    throw new Error(`cannot reach Temporal at ${config.address} (TEMPORAL_ADDRESS): ${err.message}`, { cause: err });
  });
  const client = new Client({ connection, namespace: config.namespace });
  return { client, config, close: () => connection.close() };
}
