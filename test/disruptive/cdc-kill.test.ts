import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { openSource, openTarget } from '../../lib/connectors';
import { closeAllClients } from '../../lib/connectors/clients';
import { createDataFixture, DataFixture } from '../integration/backfill-fixtures';
import { cdcCleanup, copyAll, createUsersAndOrders, usersSpec, writeLoad } from '../integration/cdc-fixtures';

function spawnStream(env: Record<string, string>): Promise<ChildProcess> {
  // node itself (not the tsx launcher, which would survive as an orphan) so SIGKILL hits the consumer.
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'cdc-stream-main.ts')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`stream exited early with ${code}`)));
  });
}

describe('CDC survives kill -9 of its consumer mid-stream', () => {
  let f: DataFixture;
  const cdc = cdcCleanup();
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    f = await createDataFixture('cdckill');
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    await cdc.dropAll();
    await closeAllClients();
    await f?.close();
  });

  it('re-delivers after the kill and converges exactly to the source', async () => {
    await createUsersAndOrders(f, 'users', 'orders');
    const spec = usersSpec(f, 'cdc-kill', 'users', 'orders');
    await cdc.prepare(spec);
    let stopped = false;
    const writes = writeLoad(f.pg, () => stopped);
    // Writes run during the backfill too: the slot holds them until the stream starts.
    await copyAll(spec, 'users');
    const env = { ...f.env, CDC_SPEC: JSON.stringify(spec) };
    children.push(await spawnStream(env));
    await new Promise((r) => setTimeout(r, 2000));
    children[0].kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    children.push(await spawnStream(env));
    await new Promise((r) => setTimeout(r, 1500));
    stopped = true;
    const statements = await writes;
    expect(statements).toBeGreaterThan(200);

    const source = openSource(spec, 'users');
    const target = openTarget(spec, 'users');
    const expected = await source.hashRange({});
    const deadline = Date.now() + 120_000;
    let actual = await target.hashRange({});
    while (actual.hash !== expected.hash && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      actual = await target.hashRange({});
    }
    expect(actual).toEqual(expected);
    children[1].kill('SIGKILL');
  }, 240_000);
});
