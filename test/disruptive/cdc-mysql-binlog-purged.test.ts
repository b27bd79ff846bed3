import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { Pool } from 'pg';
import { CdcPrepared, cdcPrepare, cdcStream, cdcTeardown } from '../../activities/cdc';
import { closeAllClients } from '../../lib/connectors/clients';
import { streamPosition } from '../../lib/control';
import type { MigrationSpec } from '../../lib/spec/schema';
import { createDataFixture, DataFixture } from '../integration/backfill-fixtures';
import { copyAll } from '../integration/cdc-fixtures';
import { createAccounts, mysqlCdcSpec, pgAccounts } from '../integration/cdc-mysql-fixtures';
import { createMysqlFixture, MysqlFixture } from '../integration/mysql-fixture';
import { waitFor } from '../integration/router/router-fixture';

/**
 * The binlog holding the stream's position is purged while the stream is not reading (a worker
 * down longer than the server keeps binlogs): the next slice stops loudly, applies nothing and
 * keeps the position. Purges the shared server's old binlogs, so it runs with the disruptive tests, alone.
 */
let my: MysqlFixture;
let f: DataFixture;
let control: Pool;
let spec: MigrationSpec;

beforeAll(async () => {
  my = await createMysqlFixture('cdcpurge');
  f = await createDataFixture('cdcpurge');
  control = new Pool({ connectionString: f.pgUrl, max: 2 });
});

afterAll(async () => {
  if (spec) await cdcTeardown({ migrationId: spec.id, spec }).catch(() => undefined);
  await control?.end();
  await closeAllClients();
  await my?.close();
  await f?.close();
});

async function binlogs(): Promise<string[]> {
  const [rows] = await my.sql.query('show binary logs');
  return (rows as Array<{ Log_name: string }>).map((r) => r.Log_name);
}

test('a purged binlog position fails the stream as CdcSlotLost with how to resume; nothing is applied past it', async () => {
  await createAccounts(my, f, 'accounts', 10);
  spec = mysqlCdcSpec(my, f, 'cdc-mysql-purged', 'accounts');
  const { start } = (await new MockActivityEnvironment().run(cdcPrepare, { migrationId: spec.id, spec })) as CdcPrepared;
  await copyAll(spec, 'accounts');
  await my.sql.query(`update accounts set name = 'lost', version = 2 where id = 1`);
  await my.sql.query('flush binary logs');
  const [current] = (await binlogs()).slice(-1);
  // The server purges a file only once InnoDB no longer needs it for crash recovery (a moment after the rotation).
  const file = start.slice(0, start.lastIndexOf(':'));
  await waitFor(async () => {
    await my.sql.query('purge binary logs to ?', [current]);
    return !(await binlogs()).includes(file);
  }, 30_000);

  const failure = await new MockActivityEnvironment().run(cdcStream, { migrationId: spec.id, spec, untilCaughtUp: true }).then(
    () => undefined,
    (err) => err,
  );
  expect(failure).toBeInstanceOf(ApplicationFailure);
  expect(failure).toMatchObject({ type: 'CdcSlotLost', nonRetryable: true });
  expect(failure.message).toMatch(
    new RegExp(`^binlog position ${start} of migration cdc-mysql-purged is no longer on the source .*roll back to preflight to copy again`),
  );
  expect(await streamPosition(control, spec.id)).toBe(start);
  expect((await pgAccounts(f, 'accounts'))[0]).toMatchObject({ id: 1, version: 1 });
});
