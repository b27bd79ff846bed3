/**
 * What every backfill/verify benchmark shares: each contender runs as its own process (so peak
 * RSS is its own), while this process samples CPU time of that process tree, PostgreSQL,
 * FerretDB, psql and Temporal from /proc — the evidence for "where is the bottleneck".
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection, defaultPayloadConverter } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { temporalConfig } from '../../lib/config';
import { closeAllClients } from '../../lib/connectors/clients';
import { createWorker } from '../../workers/create-worker';
import { uniqueName } from '../../test/support/temporal';
import { fmt, printTable } from './table';

const ROOT = join(__dirname, '..', '..');
const CLK_TCK = 100;
const RESULT = 'BENCH_RESULT ';

export interface PhaseOutput {
  rows: number;
  bytes: number;
  seconds: number;
  /** Anything else a phase wants to report (ratios, counts found…). */
  extra?: Record<string, unknown>;
}

export interface PhaseReport extends PhaseOutput {
  name: string;
  peakRssMb: number;
  /** Average CPU % over the phase (100 = one core) per process group. */
  cpu: Record<string, number>;
}

/** Runs in the phase's own process: prints its result and its own peak RSS for the parent. */
export async function phaseMain(run: () => Promise<PhaseOutput>): Promise<void> {
  const out = await run();
  await closeAllClients();
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(RESULT + JSON.stringify({ ...out, peakRssMb }));
  process.exit(0);
}

function groupOf(comm: string, pid: number, tree: Set<number>): string | undefined {
  if (tree.has(pid)) return 'bench process';
  if (comm === 'postgres') return 'postgres';
  if (comm.startsWith('ferretdb')) return 'ferretdb';
  if (comm === 'temporal') return 'temporal';
  if (comm === 'psql') return 'psql';
  return undefined;
}

/** pid → [comm, ppid, utime+stime ticks] for every process. */
function procTable(): Map<number, [string, number, number]> {
  const table = new Map<number, [string, number, number]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const f = stat.slice(close + 2).split(' ');
      table.set(Number(name), [comm, Number(f[1]), Number(f[11]) + Number(f[12])]);
    } catch {
      // The process ended between readdir and read.
    }
  }
  return table;
}

function descendants(root: number, table: Map<number, [string, number, number]>): Set<number> {
  const tree = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, [, ppid]] of table) {
      if (!tree.has(pid) && tree.has(ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return tree;
}

/**
 * Spawns `tsx <script> --phase <name> ...args` and samples CPU every 250 ms. A process first seen
 * mid-phase counts from zero; one that ended counts up to its last sample.
 */
export async function runPhase(script: string, name: string, args: string[], env: Record<string, string> = {}): Promise<PhaseReport> {
  const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), [script, '--phase', name, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const base = new Map<number, number>();
  const last = new Map<number, [string, number]>();
  const sample = () => {
    const table = procTable();
    const tree = descendants(child.pid as number, table);
    for (const [pid, [comm, , ticks]] of table) {
      const group = groupOf(comm, pid, tree);
      if (!group) continue;
      if (!last.has(pid) && !base.has(pid)) base.set(pid, started ? 0 : ticks);
      last.set(pid, [group, ticks]);
    }
  };
  let started = false;
  sample();
  started = true;
  const t0 = Date.now();
  const timer = setInterval(sample, 250);
  let stdout = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(timer);
  const wall = (Date.now() - t0) / 1000;
  const line = stdout.split('\n').find((l) => l.startsWith(RESULT));
  if (code !== 0 || !line) throw new Error(`phase ${name} failed (exit ${code}): ${stdout.slice(-2000)}`);
  const out = JSON.parse(line.slice(RESULT.length)) as PhaseOutput & { peakRssMb: number };
  const cpu: Record<string, number> = {};
  for (const [pid, [group, ticks]] of last) cpu[group] = (cpu[group] ?? 0) + (ticks - (base.get(pid) ?? 0));
  for (const g of Object.keys(cpu)) cpu[g] = Math.round((cpu[g] / CLK_TCK / wall) * 100);
  return { name, ...out, cpu };
}

/** `--phase <name> rest…` when this process is a phase, else undefined. */
export function phaseArg(): { phase: string; args: string[] } | undefined {
  const i = process.argv.indexOf('--phase');
  return i < 0 ? undefined : { phase: process.argv[i + 1], args: process.argv.slice(i + 2) };
}

/** Bundles the workflows once for every phase process (bundling is not what we measure). */
export async function prebuiltBundle(): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: new DefaultLogger('WARN') });
  const dir = join(ROOT, 'node_modules', '.cache', 'switchyard');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `bench-bundle-${process.pid}.js`);
  writeFileSync(path, code);
  return path;
}

/**
 * Runs one workflow on an in-process worker (as production runs it: worker + activities in one
 * process) and returns its result and the wall time from start to result.
 */
export async function runWorkflowHere<R>(workflowType: string, args: unknown[]): Promise<{ result: R; seconds: number; workflowId: string; client: Client }> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const config = { ...temporalConfig(), taskQueue: uniqueName('bench') };
  const native = await NativeConnection.connect({ address: config.address });
  const worker = await createWorker({ connection: native, config, workflowBundlePath: process.env.SWITCHYARD_BENCH_BUNDLE });
  const running = worker.run();
  const client = new Client({ connection: await Connection.connect({ address: config.address }), namespace: config.namespace });
  const workflowId = uniqueName(workflowType);
  const t0 = Date.now();
  const result = await client.workflow.execute<(...a: unknown[]) => Promise<R>>(workflowType, { taskQueue: config.taskQueue, workflowId, args });
  const seconds = (Date.now() - t0) / 1000;
  worker.shutdown();
  await running;
  return { result, seconds, workflowId, client };
}

export function mb(bytes: number): number {
  return bytes / 1024 / 1024;
}

/** The table every benchmark prints: one row per contender, then the ratios it is judged by. */
export function printReports(reports: PhaseReport[], ratios: Record<string, number>): void {
  const named = ['bench process', 'postgres', 'ferretdb'];
  printTable(
    ['contender', 'rows', 'seconds', 'rows/s', 'MB/s', 'peak RSS MB', 'CPU % bench', 'CPU % postgres', 'CPU % ferretdb', 'CPU % other'],
    reports.map((r) => [
      r.name,
      fmt(r.rows),
      fmt(r.seconds, 1),
      fmt(r.rows / r.seconds),
      fmt(mb(r.bytes) / r.seconds, 1),
      fmt(r.peakRssMb),
      ...named.map((g) => fmt(r.cpu[g] ?? 0)),
      Object.entries(r.cpu)
        .filter(([g]) => !named.includes(g))
        .map(([g, v]) => `${g} ${v}`)
        .join(', ') || '-',
    ]),
  );
  console.log();
  printTable(
    ['ratio', 'value'],
    Object.entries(ratios).map(([k, v]) => [k, `${fmt(v, 2)}×`]),
  );
}

/**
 * Seconds each range spent in copy activities, in key order, from the workflow's history (the
 * slices' own start/finish stamps), so the first and last ranges of a table can be compared.
 * Benchmark keys are a single bigint ({"$numberLong": "…"}), so a range sorts by its lower bound.
 */
export async function rangeSeconds(client: Client, workflowId: string): Promise<number[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const lowerBound = new Map<string, number>();
  const perRange = new Map<number, number>();
  for (const e of history.events ?? []) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'copyRangeSlice') {
      const input = defaultPayloadConverter.fromPayload<{ range: { from?: [{ $numberLong: string }] } }>(scheduled.input?.payloads?.[0] as never);
      lowerBound.set(String(e.eventId), input.range.from ? Number(input.range.from[0].$numberLong) : -Infinity);
    }
    const done = e.activityTaskCompletedEventAttributes;
    const from = done ? lowerBound.get(String(done.scheduledEventId)) : undefined;
    if (done && from !== undefined) {
      const r = defaultPayloadConverter.fromPayload<{ startedAtMs: number; finishedAtMs: number }>(done.result?.payloads?.[0] as never);
      perRange.set(from, (perRange.get(from) ?? 0) + (r.finishedAtMs - r.startedAtMs) / 1000);
    }
  }
  return [...perRange.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s);
}

/** Mean seconds of the first and of the last tenth of the ranges (at least one range each). */
export function firstLastTenth(seconds: number[]): { first: number; last: number } {
  const n = Math.max(1, Math.round(seconds.length / 10));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return { first: mean(seconds.slice(0, n)), last: mean(seconds.slice(-n)) };
}
