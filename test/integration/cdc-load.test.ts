import { closeAllClients } from '../../lib/connectors/clients';
import { createDataFixture, DataFixture } from './backfill-fixtures';
import { cdcCleanup, copyAll, createUsersAndOrders, drain, expectSameData, usersSpec, writeLoad } from './cdc-fixtures';

let f: DataFixture;
const cdc = cdcCleanup();

beforeAll(async () => {
  f = await createDataFixture('cdcload');
});

afterAll(async () => {
  await cdc.dropAll();
  await closeAllClients();
  await f.close();
});

it('writes during the backfill and during streaming converge exactly', async () => {
  await createUsersAndOrders(f, 'users', 'orders');
  const spec = usersSpec(f, 'cdc-load', 'users', 'orders');
  await cdc.prepare(spec);
  let stopped = false;
  const writes = writeLoad(f.pg, () => stopped);
  await copyAll(spec, 'users');
  const stream = await cdc.open(spec);
  const t0 = Date.now();
  while (Date.now() - t0 < 2000) await stream.step(2000, () => undefined);
  stopped = true;
  expect(await writes).toBeGreaterThan(100);
  expect(await drain(stream, 2000)).toMatchObject({ caughtUp: true, warnings: [] });
  await expectSameData(spec, 'users');
});
