import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { Client } from 'pg';
import { parseSpec } from '../../lib/spec/schema';
import type { MigrationSpec } from '../../lib/spec/schema';
import { databaseUrl, ensureDatabase } from '../../scripts/bench/data-gen';
import { abortUpdate, approveUpdate, migrationWorkflow, rollbackUpdate, statusQuery } from '../../workflows';
import type { MigrationStatus } from '../../workflows';
import { tcpProxy } from '../support/tcp-proxy';
import { inject, FaultTargets } from './faults';
import { checkFinal, checkReads, Violation } from './oracle';
import type { KeyState } from './oracle/allowed';
import { keysKnownBehindOld, mongoState, pgState, quarantinedKeys } from './oracle/databases';
import { readHistory } from './oracle/history';
import { appPool, workerPool } from './processes';
import { directWriter } from './direct-writer';
import { AnyFaultKind, planSchedule, Schedule } from './schedule';
import { temporalHandle } from './temporal-handle';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How long the driver waits for one Temporal call before it asks for the status again. */
const CALL_BOUND_MS = 15_000;

export interface ScheduleResult {
  schedule: Schedule;
  injected: Partial<Record<AnyFaultKind, number>>;
  violations: Violation[];
  /** How the migration ended: completed, or the state it was stuck in. */
  ending: string;
  ops: number;
  ms: number;
  /** The instances' logs, the workers' log and the spec. */
  dir: string;
}

/** Short timers, loose gates (faults, not gates, decide rollbacks) and approvals the driver gives. */
function tortureSpec(id: string, s: Schedule, database: string): MigrationSpec {
  const mongo = s.target === 'mongo';
  const parsed = parseSpec({
    id,
    source: { connection: 'SRC' },
    target: mongo ? { connection: 'NEWDB', database, dialect: 'ferretdb' } : { connection: 'NEWDB' },
    control: { connection: 'CTRL' },
    sync: s.sync,
    entities: [
      {
        name: 'kv',
        from: { table: 'kv', key: ['id'], version: 'version' },
        ...(mongo ? { to: { collection: 'kv' }, fields: { id: '_id' } } : { to: { table: 'kv_new' } }),
      },
    ],
    // Throttled so the copy takes seconds: writes and deletes race its pages.
    backfill: { batchSize: 20, concurrency: 1, maxRowsPerSecond: 100 },
    timers: { dualWriteSoak: '2s', shadowReadSoak: '2s', rampStepBake: '2s', rollbackWindow: '3s', gateInterval: '1s', retention: '2s' },
    ramp: [50, 100],
    gates: { minSamples: 0, maxMismatchRate: 1, maxErrorRate: 1, maxLagSeconds: 5 },
    approvals: ['write_switch', 'complete', 'decommission'],
    // A limit the WAL burst of slot_retention passes (direct-writer.ts) and the schedule's own traffic does not.
    ...(s.cdcFaults?.some((f) => f.kind === 'slot_retention') ? { cdc: { maxRetainedWalBytes: 32 * 1024 * 1024 } } : {}),
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.spec;
}

const withPort = (url: string, port: number) => {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
};

/** One schedule: fresh databases, workers, instances and migration; faults as planned; the oracle's verdict. */
export async function runSchedule(seed: number, opts: { keep?: boolean; timeoutMs?: number; cdc?: boolean } = {}): Promise<ScheduleResult> {
  const started = Date.now();
  const schedule = planSchedule(seed, { cdc: opts.cdc });
  const name = `torture_${seed}_${Math.random().toString(36).slice(2, 8)}`;
  const id = name.replace(/_/g, '-');
  const admin = process.env.SWITCHYARD_CONN_PG as string;
  const mongoUrl = process.env.SWITCHYARD_CONN_MONGO as string;
  const pgUrl = await ensureDatabase(admin, name);
  const dir = join(tmpdir(), 'switchyard-torture', name);
  mkdirSync(dir, { recursive: true });

  const seeded = new Map<number, KeyState>();
  const pg = new Client({ connectionString: pgUrl });
  await pg.connect();
  // CDC schedules: a column the direct writer can give a value no mapping decodes (undecodable_row).
  const columns = `id int primary key, val text not null, version bigint not null${schedule.cdcFaults ? ', at timestamptz' : ''}`;
  await pg.query(`create table kv (${columns})`);
  if (schedule.target === 'pg') await pg.query(`create table kv_new (${columns})`);
  // Half the hot keys and every cold key exist before the migration; the other hot keys are first inserted during it.
  const cold = Array.from({ length: schedule.coldKeys }, (_, i) => schedule.keys + 1 + i);
  for (const k of [...Array.from({ length: Math.ceil(schedule.keys / 2) }, (_, i) => i + 1), ...cold]) seeded.set(k, { val: `seed-${k}`, ver: 1 });
  await pg.query(`insert into kv select k, 'seed-' || k, 1 from unnest($1::int[]) k`, [[...seeded.keys()]]);
  await pg.end();

  const pgPort = Number(new URL(admin).port || 5432);
  const newDb = schedule.target === 'mongo' ? await tcpProxy('127.0.0.1', Number(new URL(mongoUrl).port || 27017)) : await tcpProxy('127.0.0.1', pgPort);
  const controlProxy = await tcpProxy('127.0.0.1', pgPort);
  const env = {
    SWITCHYARD_CONN_SRC: pgUrl,
    SWITCHYARD_CONN_CTRL: withPort(pgUrl, controlProxy.port),
    SWITCHYARD_CONN_NEWDB: schedule.target === 'mongo' ? `mongodb://127.0.0.1:${newDb.port}/?directConnection=true` : withPort(pgUrl, newDb.port),
  };
  const spec = tortureSpec(id, schedule, name);
  const specFile = join(dir, 'spec.json');
  writeFileSync(specFile, JSON.stringify(spec));

  const taskQueue = `tq-${name}`;
  const workers = workerPool(taskQueue, env, dir);
  const apps = appPool(schedule.instances, {
    specFile,
    keys: schedule.keys,
    coldKeys: schedule.coldKeys,
    keyField: schedule.target === 'mongo' ? '_id' : 'id',
    seed,
    logDir: dir,
    env,
  });
  const direct = schedule.cdcFaults
    ? directWriter(pgUrl, { firstKey: schedule.keys + schedule.coldKeys + 1, seed, log: join(dir, 'direct.jsonl') })
    : undefined;
  const logs = () => [...apps.logs, ...(direct ? [join(dir, 'direct.jsonl')] : [])];
  const temporal = temporalHandle();
  const injected: ScheduleResult['injected'] = {};
  const count = (k: AnyFaultKind) => (injected[k] = (injected[k] ?? 0) + 1);
  let slotLost = false;
  const violations: Violation[] = [];
  let ending = 'not started';
  let last: MigrationStatus | undefined;
  try {
    await workers.start();
    await apps.start();
    direct?.start();
    await (await temporal.client()).workflow.start(migrationWorkflow, { taskQueue, workflowId: id, args: [{ spec, actor: 'torture' }] });
    const t0 = Date.now();
    const targets: FaultTargets = { migrationId: id, workers, apps, newDb, control: controlProxy, temporal };
    let done = false;

    /**
     * After a rollback has landed: where the old database is the primary again it must hold every
     * acknowledged write (W3); a rollback of `complete` lands in `write_switch`, where new is still
     * the primary and the old database is held to W4 (current, or the key is known to be behind).
     */
    const checkOldAfterRollback = async (landed: MigrationStatus) => {
      await apps.quiesce();
      const old = await pgState(pgUrl, 'kv');
      const oldPrimary = landed.routing?.writes.startsWith('old') ?? true;
      const known = oldPrimary ? undefined : await keysKnownBehindOld(pgUrl, id);
      if (old)
        violations.push(...checkFinal(oldPrimary ? 'old_after_rollback' : 'old_after_rollback_to_switch', seed, readHistory(logs()), seeded, old, known));
      apps.resume();
    };

    const faults = (async () => {
      for (const [i, fault] of schedule.faults.entries()) {
        if (fault.kind === 'rollback') continue;
        while (!done && Date.now() - t0 < fault.atMs) await sleep(50);
        if (done) return;
        if (await inject(fault, targets, seed + i)) count(fault.kind);
      }
    })();

    // The direct writer's faults; slot_retention waits until the stream runs (from verify to the ramp), or it would test nothing.
    const streaming = () => ['verify', 'shadow_read', 'read_ramp'].includes(last?.phase ?? '');
    const cdcFaults = (async () => {
      for (const fault of schedule.cdcFaults ?? []) {
        while (!done && (Date.now() - t0 < fault.atMs || (fault.kind === 'slot_retention' && !streaming()))) await sleep(50);
        if (done) return;
        if (await direct!.inject(fault.kind, fault.holdMs).catch(() => false)) count(fault.kind);
      }
    })();
    let directStopped = false;

    const rollback = schedule.faults.find((f) => f.kind === 'rollback');
    let rollbackAsked = false;
    let rollbackChecked = false;
    let retries = 0;
    let retriedAt = 0;
    /**
     * A failed step is retried as an operator would: a few times, seconds apart, so an outage of a
     * few seconds (new_db_outage during preflight's connection checks) is over before the last try.
     */
    const retryFailed = () => {
      if (retries >= 5 || Date.now() - retriedAt < 3_000) return false;
      retries++;
      retriedAt = Date.now();
      return true;
    };
    let queryError: string | undefined;
    let notReplayable: string | undefined;
    const deadline = t0 + (opts.timeoutMs ?? 120_000);
    /**
     * A Temporal call that has not answered within CALL_BOUND_MS is left behind, so the loop keeps its
     * deadline and the next status decides (an unbounded call once held the driver past a completed
     * workflow until the schedule timed out). Each one is written to driver.log.
     */
    const bounded = async <T>(what: string, call: Promise<T>): Promise<T> => {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          appendFileSync(join(dir, 'driver.log'), `${new Date().toISOString()} ${what}: no answer in ${CALL_BOUND_MS} ms\n`);
          reject(new Error(`${what}: no answer`));
        }, CALL_BOUND_MS);
      });
      try {
        return await Promise.race([call, bound]);
      } finally {
        clearTimeout(timer);
      }
    };
    while (Date.now() < deadline) {
      let s: MigrationStatus;
      const handle = (await temporal.client()).workflow.getHandle(id);
      try {
        s = await bounded('status query', handle.query(statusQuery));
      } catch (err) {
        // Kept for the verdict: a workflow whose history no longer replays answers every query with the same error.
        const text = String(err).slice(0, 300);
        if (text !== queryError) appendFileSync(join(dir, 'driver.log'), `${new Date().toISOString()} status query: ${text}\n`);
        queryError = text;
        // A query replays the history; a closed run still reports how it ended, and its result is the final status.
        if (/[Nn]ondeterminism/.test(text)) {
          notReplayable = text;
          const closed = await bounded('describe', handle.describe()).catch(() => undefined);
          if (closed && closed.status.name !== 'RUNNING') {
            last = closed.status.name === 'COMPLETED' ? await bounded('result', handle.result()).catch(() => last) : last;
            break;
          }
        }
        await sleep(300);
        continue;
      }
      queryError = undefined;
      last = s;
      if (s.state === 'completed' || s.state === 'aborted') break;
      try {
        if (s.cdc?.lost && !slotLost) {
          // What the failure says to do: the stream cannot resume, so end the migration on the old database.
          slotLost = true;
          await bounded('abort', handle.executeUpdate(abortUpdate, { args: [{ by: 'torture', reason: `stream lost: ${s.cdc.lost}` }] }));
          continue;
        }
        // Nothing streams writes that bypass the router once the switch is approved: the direct writer stops first.
        if (direct && !directStopped && (s.pendingApproval?.phase === 'write_switch' || ['write_switch', 'complete', 'decommission'].includes(s.phase ?? ''))) {
          directStopped = true;
          await direct.stop();
        }
        if (rollback && !rollbackAsked && s.phase === rollback.phase && (s.state === 'running' || s.state === 'waiting_approval')) {
          rollbackAsked = true;
          await bounded('rollback', handle.executeUpdate(rollbackUpdate, { args: [{ by: 'torture', reason: `torture rollback in ${s.phase}` }] }));
          count('rollback');
        } else if (s.state === 'waiting_approval' || (s.state === 'failed' && retryFailed())) {
          if (rollbackAsked && !rollbackChecked && s.transitions.some((t) => t.to.startsWith('rollback'))) {
            rollbackChecked = true;
            await checkOldAfterRollback(s);
          }
          // Decommission's last question: keep the retired table, which the oracle reads below.
          const keep = s.pendingApproval?.choices?.includes('keep') ? { action: 'keep' as const } : {};
          // The quarantine gate (an undecodable row) is accepted by naming its count.
          const confirm = s.pendingApproval?.confirm && !s.pendingApproval.choices ? { confirm: s.pendingApproval.confirm } : {};
          await bounded(
            `approve ${s.pendingApproval?.phase}`,
            handle.executeUpdate(approveUpdate, { args: [{ by: 'torture', note: 'torture driver', ...keep, ...confirm }] }),
          );
        }
      } catch {
        // Refused (e.g. nothing to approve any more) or Temporal away: the next status decides.
      }
      await sleep(200);
    }
    done = true;
    await faults;
    await cdcFaults;
    if (direct && direct.acked() > 0) count('direct_writes');
    // The workflow may have ended well, but a worker that restarts into this history could not continue it.
    if (notReplayable) violations.push({ kind: 'liveness:history_not_replayable', seed, key: 0, detail: notReplayable });
    ending = last ? (last.state === 'completed' ? 'completed' : `${last.state} in ${last.phase}`) : 'no status';
    // A lost slot (retention limit) stops the migration by design: aborted on the old database, the oracle judges that.
    if (slotLost && last?.state === 'aborted') ending = 'aborted: slot lost';
    else if (last?.state !== 'completed') {
      violations.push({
        kind: 'liveness:did_not_complete',
        seed,
        key: 0,
        detail: `${ending}; failure ${last?.failure ?? 'none'}; last ${JSON.stringify(last?.transitions.at(-1))}${queryError ? `; status query failing: ${queryError}` : ''}`,
      });
      await (
        await temporal.client()
      ).workflow
        .getHandle(id)
        .terminate('torture schedule ended')
        .catch(() => undefined);
    }
  } finally {
    await direct?.stop();
    await direct?.close();
    await apps.stop();
    workers.stop();
    newDb.restore();
    controlProxy.restore();
    await temporal.close();
  }

  const ops = readHistory(logs());
  // Decommission retires the old table under its own name (written out here, so the oracle does not lean on lib/).
  const old = (await pgState(pgUrl, 'kv')) ?? (await pgState(pgUrl, `kv__switchyard_retired_${id.replace(/[^A-Za-z0-9_]/g, '_')}`));
  const target = schedule.target === 'mongo' ? await mongoState(mongoUrl, name, 'kv') : await pgState(pgUrl, 'kv_new');
  // Records the target could not store (undecodable_row) keep an older version there, by design; named in its quarantine.
  const quarantined = schedule.cdcFaults ? await quarantinedKeys(schedule.target === 'mongo' ? { mongo: mongoUrl, database: name } : { pg: pgUrl }) : undefined;
  if (ending === 'completed') {
    violations.push(...checkFinal('primary', seed, ops, seeded, target ?? new Map(), undefined, quarantined));
    if (old) violations.push(...checkFinal('old_after_complete', seed, ops, seeded, old, await keysKnownBehindOld(pgUrl, id)));
  } else if (last?.routing?.writes.startsWith('new')) {
    violations.push(...checkFinal('primary', seed, ops, seeded, target ?? new Map(), undefined, quarantined));
  } else if (old) {
    violations.push(...checkFinal('primary', seed, ops, seeded, old));
  }
  violations.push(...checkReads(seed, ops, seeded));

  await newDb.close();
  await controlProxy.close();
  if (!opts.keep) await dropDatabases(admin, mongoUrl, name);
  return { schedule, injected, violations, ending, ops: ops.length, ms: Date.now() - started, dir };
}

async function dropDatabases(admin: string, mongoUrl: string, name: string): Promise<void> {
  const mongo = await MongoClient.connect(mongoUrl);
  await mongo
    .db(name)
    .dropDatabase()
    .catch(() => undefined);
  await mongo.close();
  const a = new Client({ connectionString: databaseUrl(admin, 'postgres') });
  await a.connect();
  // A CDC slot left by an unfinished migration would block the drop.
  await a.query(`select pg_drop_replication_slot(slot_name) from pg_replication_slots where database = $1 and not active`, [name]).catch(() => undefined);
  await a.query(`drop database if exists "${name}" with (force)`).catch(() => undefined);
  await a.end();
}
