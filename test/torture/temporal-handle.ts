import { Client, Connection } from '@temporalio/client';
import { temporalConfig } from '../../lib/config';

/** A Temporal client that is reopened after a server restart (a closed connection does not come back). */
export function temporalHandle() {
  let current: Promise<{ client: Client; connection: Connection }> | undefined;
  const open = async () => {
    const config = temporalConfig();
    const connection = await Connection.connect({ address: config.address });
    return { client: new Client({ connection, namespace: config.namespace }), connection };
  };
  return {
    client: async () => (await (current ??= open())).client,
    async reopen() {
      const old = current;
      current = undefined;
      await (await old?.catch(() => undefined))?.connection.close().catch(() => undefined);
    },
    close: async () => {
      await (await current?.catch(() => undefined))?.connection.close().catch(() => undefined);
    },
  };
}
export type TemporalHandle = ReturnType<typeof temporalHandle>;
