import fc from 'fast-check';
import { copyKeys } from '../../../activities/copy-keys';
import type { Key } from '../../../lib/connectors/types';
import { routingFor, RoutingState, WriteMode } from '../../../lib/control';
import { connectorAccess, createRouter, EntityAccess, RouterRecord } from '../../../lib/router';
import { check, Request, valueOf } from './model/checker';
import { memoryControl } from './model/memory-control';
import { Fault, memoryDb } from './model/memory-db';

/**
 * The router's write protocol, model-checked. Application instances, each a real createRouter,
 * write a few hot keys through the spec-generated access of two in-memory databases and an
 * in-memory control store (intents, leases, reconcile queue). fast-check's scheduler picks the
 * order of every database and control-store call and answer; a fault plan makes calls fail before
 * or after they apply, and kills an instance between its first and second database write (a dead
 * instance sends nothing more). The workflow's drain may also copy keys while they are written;
 * afterwards it runs (stale intents to the queue, the queue through the real copyKeys), and the
 * checker, which reads only the request log and the databases, looks for lost, resurrected or
 * regressed writes and for databases that disagree.
 * A failure shrinks to a minimal schedule; keep it below as a named case.
 */

const KEYS = ['k1', 'k2'];
const RUNS = Number(process.env.SWITCHYARD_MODEL_RUNS ?? 10_000);

interface Op {
  kind: Request['kind'];
  key: string;
  /** The instance dies after its first database write. */
  crash: boolean;
}

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom<Op['kind']>('insert', 'update', 'delete'),
  key: fc.constantFrom(...KEYS),
  crash: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});

const scenarioArb = fc.record({
  mode: fc.constantFrom<WriteMode>('old_then_new', 'new_then_old'),
  clients: fc.array(fc.array(opArb, { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 3 }),
  faults: fc.array(fc.constantFrom<Fault>('ok', 'ok', 'ok', 'fail', 'lost'), { maxLength: 30 }),
  seeded: fc.subarray(KEYS),
  /** The drain also runs while the instances write, as the workflow's does: its copies race their writes. */
  drainWhileWriting: fc.boolean(),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

/** Timers the model never lets fire: every wait is on the scheduler, not the clock. */
const NEVER = 3_600_000;

async function run(s: fc.Scheduler, scenario: Scenario) {
  let faultIndex = 0;
  // Faults strike while the application writes; the instances start, and the drain runs, without them.
  let faulty = false;
  const nextFault = (): Fault => (faulty ? (scenario.faults[faultIndex++] ?? 'ok') : 'ok');
  const yieldTo = (label: string) => s.schedule(Promise.resolve(label), label).then(() => undefined);
  const old = memoryDb('old', yieldTo, nextFault);
  const fresh = memoryDb('new', yieldTo, nextFault);
  for (const key of scenario.seeded) {
    for (const db of [old, fresh]) db.rows.set(key, { id: key, v: 0, val: valueOf(-1, 0) });
  }
  const initial = new Map(old.rows);
  const phase = scenario.mode === 'old_then_new' ? 'dual_write' : 'write_switch';
  const routing: RoutingState = { ...routingFor(phase), migrationId: 'model', version: 1, actor: 'model', reason: 'model', at: new Date(0).toISOString() };
  const control = memoryControl(routing, yieldTo, nextFault);
  const log: Request[] = [];
  let version = 0;
  let tick = 0;

  const instances = scenario.clients.map((_, client) => {
    let dead = false;
    let crashing = false;
    // A dead instance's calls never reach a database: its process is gone.
    const guard = (access: EntityAccess): EntityAccess => ({
      get: (key) => (dead ? Promise.reject(new Error('dead')) : access.get(key)),
      insert: (r, ctx) => (dead ? Promise.reject(new Error('dead')) : crashAfterFirst(() => access.insert(r, ctx))),
      update: (r, ctx) => (dead ? Promise.reject(new Error('dead')) : crashAfterFirst(() => access.update(r, ctx))),
      delete: (k, ctx) => (dead ? Promise.reject(new Error('dead')) : crashAfterFirst(() => access.delete(k, ctx))),
    });
    let callsInRequest = 0;
    const crashAfterFirst = async (write: () => Promise<void>) => {
      if (crashing && callsInRequest++ >= 1) {
        dead = true;
        throw new Error('process killed');
      }
      return write();
    };
    const router = createRouter({
      migrationId: 'model',
      control: control.forRouter(() => dead),
      entities: {
        items: { old: guard(connectorAccess(old.connector, true)), new: guard(connectorAccess(fresh.connector, true)), keyOf: (r) => [r.id as string] },
      },
      instanceId: `app${client}`,
      pollIntervalMs: NEVER,
      flushIntervalMs: NEVER,
      secondaryTimeoutMs: NEVER,
      intentTimeoutMs: NEVER,
      initialWaitMs: NEVER,
    });
    return {
      router,
      isDead: () => dead,
      crash: (on: boolean) => {
        crashing = on;
        callsInRequest = 0;
      },
    };
  });
  const routers = await s.waitFor(Promise.all(instances.map((i) => i.router)));
  faulty = true;

  // The workflow's drain: each queued key copied from the database that took its write to the one that missed it.
  type Queued = { key: Key; target: 'old' | 'new' };
  const drainKeys = async (queued: Queued[]) => {
    for (const { key, target } of queued) {
      await (target === 'new' ? copyKeys(old.connector, fresh.connector, [key], 'v') : copyKeys(fresh.connector, old.connector, [key], 'v'));
    }
  };
  const clients = scenario.clients.map(async (ops, client) => {
    const { isDead, crash } = instances[client];
    const router = routers[client];
    const items = router.entity('items');
    for (const op of ops) {
      const entry: Request = { client, kind: op.kind, key: op.key, version: ++version, start: ++tick, end: Infinity, acknowledged: false };
      log.push(entry);
      crash(op.crash);
      const record = { id: op.key, v: entry.version, val: valueOf(client, entry.version) } as unknown as RouterRecord;
      try {
        await (op.kind === 'delete' ? items.delete([op.key]) : items[op.kind](record));
        if (!isDead()) entry.acknowledged = true;
      } catch {
        // A failed request is not acknowledged; the application goes on with its next one.
      }
      entry.end = ++tick;
      if (isDead()) return;
    }
    await router.close();
  });
  // Any key may be queued while it is written (a shadow mismatch, an intent moved early): the racing
  // drain copies every key to the secondary. A copy that fails stays queued for the drain below, as in the workflow.
  const failed: Queued[] = [];
  const racingDrain = scenario.drainWhileWriting
    ? [
        yieldTo('drain while writing').then(async () => {
          for (const item of KEYS.map((key): Queued => ({ key: [key], target: scenario.mode === 'old_then_new' ? 'new' : 'old' })))
            await drainKeys([item]).catch(() => failed.push(item));
        }),
      ]
    : [];
  await s.waitFor(Promise.all([...clients, ...racingDrain]));

  faulty = false;
  control.moveStaleIntents(60_000);
  await s.waitFor(drainKeys([...control.queue(), ...failed]));

  const [primary, secondary] = scenario.mode === 'old_then_new' ? [old.rows, fresh.rows] : [fresh.rows, old.rows];
  return check(KEYS, initial, log, primary, secondary);
}

test(`no acknowledged write lost, none regressed, both databases converge (${RUNS} schedules)`, async () => {
  await fc.assert(
    fc.asyncProperty(fc.scheduler(), scenarioArb, async (s, scenario) => {
      const violations = await run(s, scenario);
      if (violations.length)
        throw new Error(
          violations.map((v) => `${v.kind} ${v.key}: ${v.detail}`).join('\n') +
            `\n${s
              .report()
              .map((t) => t.label)
              .join('\n')}`,
        );
    }),
    { numRuns: RUNS },
  );
});
