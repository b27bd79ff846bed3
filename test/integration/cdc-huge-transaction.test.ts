import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { closeAllClients } from '../../lib/connectors/clients';
import type { PageCheckpoint, StreamState } from '../../lib/cdc';
import type { MigrationSpec } from '../../lib/spec/schema';
import { createDataFixture, DataFixture } from './backfill-fixtures';
import { cdcCleanup, copySpec, drain, expectSameData } from './cdc-fixtures';

let f: DataFixture;
const cdc = cdcCleanup();

beforeAll(async () => {
  f = await createDataFixture('cdchuge');
});

afterAll(async () => {
  await cdc.dropAll();
  await closeAllClients();
  await f.close();
});

const ROWS = 60_000;
/** Bytes of payload per row: the transaction's changes come to about ROWS × PAYLOAD = 120 MB of WAL. */
const PAYLOAD = 2000;
/** What the stream may hold beyond its open state while it applies the transaction: an eighth of it. */
const BUDGET = 16 * 1024 ** 2;
/** The child's JavaScript heap limit: far below the transaction's size. */
const HEAP_MB = 64;

/** Runs cdc-huge-main.ts to the end of the WAL; resolves with its final state and peak live memory growth. */
function streamInChild(spec: MigrationSpec, batchMessages: number): Promise<{ state: StreamState; growthBytes: number }> {
  const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, '--expose-gc', '--import', 'tsx', join(__dirname, 'cdc-huge-main.ts')], {
    env: { ...process.env, ...f.env, CDC_SPEC: JSON.stringify(spec), CDC_BATCH_MESSAGES: String(batchMessages) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('exit', (code, signal) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`stream exited with ${code ?? signal}`)),
    );
  });
}

describe('CDC of one huge transaction', () => {
  it(`applies a ${ROWS}-row transaction in bounded pieces: live memory at every page stays within ${BUDGET / 1024 ** 2} MB of its open state`, async () => {
    await f.pg.query('create table huge (id integer primary key, payload text not null, version bigint not null)');
    await f.pg.query('create table huge_copy (id integer primary key, payload text not null, version bigint not null)');
    // Incompressible text, so the WAL and the decoded messages really carry PAYLOAD bytes a row.
    await f.pg.query(
      `create function noise(n int) returns text language sql as $$ select string_agg(md5(random()::text), '') from generate_series(1, n / 32) $$`,
    );
    const spec = copySpec(f, 'cdc-huge', ['huge']);
    await cdc.prepare(spec);
    // A small transaction first: the child applies it before measuring, so the connectors are open and loaded.
    await f.pg.query(`insert into huge values (0, 'warm-up', 1)`);
    await f.pg.query(`insert into huge select g, noise(${PAYLOAD}), 1 from generate_series(1, ${ROWS}) g`);

    const { state, growthBytes } = await streamInChild(spec, 1000);
    console.log(`huge transaction: ${ROWS} rows, peak live memory growth ${(growthBytes / 1024 ** 2).toFixed(1)} MB`);
    expect(state).toMatchObject({ transactions: 2, upserted: ROWS + 1 });
    await expectSameData(spec, 'huge');
    expect(growthBytes).toBeLessThan(BUDGET);
  });

  it('a retried attempt skips the pages of a huge transaction its predecessor applied', async () => {
    await f.pg.query('create table paged (id integer primary key, qty integer not null, version bigint not null)');
    await f.pg.query('create table paged_copy (id integer primary key, qty integer not null, version bigint not null)');
    const spec = copySpec(f, 'cdc-paged', ['paged']);
    await cdc.prepare(spec);
    // One transaction of 3,003 messages (begin, relation, 3,000 inserts, commit): pages of 1,000, 1,000, 1,000 and 3.
    await f.pg.query('insert into paged select g, g, 1 from generate_series(1, 3000) g');

    // The first attempt dies once two pages (1,998 inserts) are applied: the activity's time limit, or a killed worker.
    const first = await cdc.open(spec);
    const checkpoints: PageCheckpoint[] = [];
    const dies = first.step(
      5000,
      () => undefined,
      (checkpoint) => {
        checkpoints.push(checkpoint);
        if (checkpoint.messages === 2000) throw new Error('worker killed');
      },
    );
    await expect(dies).rejects.toThrow('worker killed');
    await first.close();
    expect(checkpoints.map((c) => c.messages)).toEqual([1000, 2000]);

    const resumed = await cdc.open(spec, { resumePages: checkpoints.at(-1) });
    const state = await drain(resumed, 5000);
    expect(state).toMatchObject({ transactions: 1, upserted: 1002 });
    await expectSameData(spec, 'paged');
  });
});
