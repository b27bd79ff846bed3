/**
 * One application instance of the torture workload, in its own process: it embeds lib/router as
 * a service would and runs two request loops on a small shared key space with hot keys. Every
 * request is logged before it starts and when it ends (op-log.ts). The parent steers it over IPC:
 * "quiesce" (finish in-flight requests and hold), "resume", "arm-kill" (SIGKILL itself inside the
 * next secondary write, i.e. between a request's first and second database write), "stop".
 */
import { readFileSync } from 'node:fs';
import { pgPool } from '../../lib/connectors/clients';
import { ensureControlSchema } from '../../lib/control';
import { createRouter, specRoutes } from '../../lib/router';
import type { EntityAccess, EntityRoute, RouterRecord, WriteContext } from '../../lib/router';
import type { MigrationSpec } from '../../lib/spec/schema';
import { opLog } from './op-log';
import { rng } from './rng';

const env = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const spec = JSON.parse(readFileSync(env('TORTURE_SPEC_FILE'), 'utf8')) as MigrationSpec;
const writer = Number(env('TORTURE_WRITER'));
const keys = Number(env('TORTURE_KEYS'));
const coldKeys = Number(process.env.TORTURE_COLD_KEYS ?? 0);
const keyField = env('TORTURE_KEY_FIELD');
const seed = Number(env('TORTURE_SEED'));
const log = opLog(env('TORTURE_LOG'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let armed = false;
let paused = false;
let stopping = false;

/** The kill point sits in the harness's data access, not in the router: product code has no test hooks. */
function killable(access: EntityAccess): EntityAccess {
  const beforeWrite = (ctx: WriteContext) => {
    if (!armed || ctx.role !== 'secondary') return;
    log({ ev: 'killed', w: writer, t: Date.now() });
    process.kill(process.pid, 'SIGKILL');
  };
  return {
    get: (key) => access.get(key),
    insert: async (record, ctx) => {
      beforeWrite(ctx);
      await access.insert(record, ctx);
    },
    update: async (record, ctx) => {
      beforeWrite(ctx);
      await access.update(record, ctx);
    },
    delete: async (key, ctx) => {
      beforeWrite(ctx);
      await access.delete(key, ctx);
    },
  };
}

/** Versions unique across writers (the low three digits are the writer) and increasing per writer. */
let lastVersion = 0;
function nextVersion(atLeast = 0): number {
  const base = Math.max(Date.now() * 1000, lastVersion + 1000, atLeast + 1000);
  lastVersion = base - (base % 1000) + writer;
  return lastVersion;
}

async function main() {
  const control = pgPool(spec.control.connection);
  // The instance may start while the control store is cut off: it retries as a deployment would.
  for (let attempt = 0; ; attempt++) {
    try {
      await ensureControlSchema(control);
      break;
    } catch (err) {
      if (attempt > 60) throw err;
      await sleep(500);
    }
  }
  const base = specRoutes(spec).kv;
  const route: EntityRoute = { old: killable(base.old), new: killable(base.new), keyOf: base.keyOf };
  const router = await createRouter({
    migrationId: spec.id,
    control,
    entities: { kv: route },
    instanceId: `torture-${writer}`,
    pollIntervalMs: 100,
    flushIntervalMs: 200,
    shadowSampleRate: 0.5,
    secondaryTimeoutMs: 1000,
    percentReadTimeoutMs: 500,
    initialWaitMs: 30_000,
  });
  const kv = router.entity('kv');
  let seq = 0;

  const request = async <T>(op: 'put' | 'del' | 'get', key: number, call: () => Promise<T>, put?: RouterRecord): Promise<T | undefined> => {
    const id = `${writer}-${seq++}`;
    const s = router.routing();
    const routing = { version: s.version, writes: s.writes, reads: s.reads, readPercent: s.readPercent };
    log({ ev: 'inv', id, w: writer, op, key, val: put?.val as string | undefined, ver: put?.version as number | undefined, t: Date.now(), routing });
    try {
      const result = await call();
      const rec = result as RouterRecord | undefined;
      log({ ev: 'ok', id, t: Date.now(), ...(op === 'get' ? { read: rec ? { val: String(rec.val), ver: Number(rec.version) } : null } : {}) });
      return result;
    } catch (err) {
      log({ ev: 'fail', id, t: Date.now(), err: (err instanceof Error ? err.message : String(err)).slice(0, 200) });
      return undefined;
    }
  };
  const put = (key: number, val: string, atLeast = 0, insert = false) => {
    const record = { [keyField]: key, val, version: nextVersion(atLeast) };
    return request('put', key, () => (insert ? kv.insert(record) : kv.update(record)), record);
  };

  const inFlight = new Set<number>();
  const loop = async (n: number) => {
    const r = rng(seed * 7919 + writer * 31 + n);
    while (!stopping) {
      if (paused) {
        inFlight.delete(n);
        await sleep(20);
        continue;
      }
      inFlight.add(n);
      // Key 1 is hot: every instance hits it often, so writes to it race across processes. Cold
      // keys (seeded, many) meet the backfill: a delete or update racing the copy of its page.
      const key = r.chance(0.4) ? 1 : r.chance(0.15) && coldKeys ? r.int(keys + 1, keys + coldKeys) : r.int(1, keys);
      const dice = r.next();
      const val = `w${writer}-${seq}`;
      if (dice < 0.3) await request('get', key, () => kv.get([key]));
      else if (dice < 0.5) await put(key, val);
      else if (dice < 0.65) {
        // Read-modify-write: the new value derives from the one read, its version follows it.
        const read = await request('get', key, () => kv.get([key]));
        await put(key, `${val}<${read ? String(read.val) : 'none'}`, read ? Number(read.version) : 0);
      } else if (dice < 0.75) await put(key, val, 0, true);
      else if (dice < 0.9) await request('del', key, () => kv.delete([key]));
      else {
        // Delete, then re-create the same key.
        await request('del', key, () => kv.delete([key]));
        await put(key, `${val}-again`, 0, true);
      }
      await sleep(r.int(5, 40));
    }
    inFlight.delete(n);
  };

  process.on('message', async (msg: string) => {
    if (msg === 'arm-kill') armed = true;
    else if (msg === 'resume') paused = false;
    else if (msg === 'quiesce') {
      paused = true;
      while (inFlight.size > 0) await sleep(10);
      process.send?.('quiesced');
    } else if (msg === 'stop') {
      stopping = true;
      while (inFlight.size > 0) await sleep(10);
      await router.close();
      process.send?.('stopped');
      process.exit(0);
    }
  });
  const loops = [0, 1].map(loop);
  process.send?.('ready');
  await Promise.all(loops);
}

main().catch((err) => {
  console.error(`torture app ${writer}: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
