import { Client, Connection } from '@temporalio/client';
import { temporalConfig } from '../../lib/config';

/**
 * A Temporal client that is reopened after a server restart. Replaced connections stay open until
 * close(): a call still retrying on a closed channel throws from a timer, out of reach of any catch.
 */
export function temporalHandle() {
  let current: Promise<{ client: Client; connection: Connection }> | undefined;
  const opened: Promise<{ connection: Connection }>[] = [];
  const open = async () => {
    const config = temporalConfig();
    const connection = await Connection.connect({ address: config.address });
    return { client: new Client({ connection, namespace: config.namespace }), connection };
  };
  return {
    client: async () => {
      if (!current) opened.push((current = open()));
      return (await current).client;
    },
    reopen() {
      current = undefined;
    },
    close: async () => {
      for (const c of opened) await (await c.catch(() => undefined))?.connection.close().catch(() => undefined);
    },
  };
}
export type TemporalHandle = ReturnType<typeof temporalHandle>;
