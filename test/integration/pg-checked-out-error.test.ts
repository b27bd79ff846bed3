import { Client } from 'pg';
import { closeAllClients, pgPool } from '../../lib/connectors/clients';

afterAll(() => closeAllClients());

/**
 * pg-pool takes its error listener off a client while the client is checked out, and a pg Client
 * that loses its connection between queries emits 'error': with no listener, that is an uncaught
 * exception that kills the worker (torture seed 16). A session held across awaits (the CDC stream's,
 * a direct copy's) is exactly such a client.
 */
it('a checked-out client whose connection ends between queries does not crash the process; its next query fails', async () => {
  const url = process.env.SWITCHYARD_CONN_PG as string;
  const held = await pgPool({ url }).connect();
  const { rows } = await held.query<{ pid: number }>('select pg_backend_pid() as pid');
  const ended = new Promise((resolve) => held.once('end', resolve));
  const admin = new Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query('select pg_terminate_backend($1)', [rows[0].pid]);
  } finally {
    await admin.end();
  }
  await ended;
  await expect(held.query('select 1')).rejects.toThrow();
  held.release(true);
});
