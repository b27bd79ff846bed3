/**
 * Every benchmark in one command, each with the baseline it prints beside its own figures, and
 * the CPU each process group used while it ran (process-cpu.ts), so the table names the
 * bottleneck. Sizes follow --rows; benchmarks that stress something other than table size
 * (router latency, CDC bursts) cap it.
 *   npm run bench -- --rows 300000 [--only verify-pg-pg,router-overhead] [--record]
 * --record appends the run, with its date and command, to docs/BENCHMARKS.md.
 */
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { cpuBetween, cpuSnapshot } from './process-cpu';
import { fmt, printTable } from './table';

interface Bench {
  name: string;
  script: string;
  args(rows: number): number[] | string[];
}

const tenth = (rows: number) => Math.max(1000, Math.min(20_000, Math.floor(rows / 10)));

const BENCHES: Bench[] = [
  { name: 'backfill-pg-pg', script: 'backfill-pg-pg.ts', args: (rows) => [rows] },
  { name: 'backfill-pg-mongo', script: 'backfill-pg-mongo.ts', args: (rows) => [rows, tenth(rows)] },
  { name: 'verify-pg-pg', script: 'verify-pg-pg.ts', args: (rows) => [rows, tenth(rows)] },
  { name: 'verify-pg-mongo', script: 'verify-pg-mongo.ts', args: (rows) => [rows] },
  { name: 'backfill-flat', script: 'backfill-flat.ts', args: (rows) => [Math.max(1000, Math.floor(rows / 10)), rows] },
  { name: 'router-overhead', script: 'router-overhead.ts', args: (rows) => [Math.min(rows, 10_000), 2000, 300] },
  { name: 'cdc-throughput', script: 'cdc-throughput.ts', args: (rows) => [30, 4, Math.min(rows, 100_000)] },
  { name: 'cdc-binlog', script: 'cdc-binlog.ts', args: (rows) => [20, 30, 400, 4, Math.min(rows, 100_000)] },
];

const positive = (text: string) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1000) throw new InvalidArgumentError('a whole number of at least 1000');
  return n;
};

const program = new Command('bench')
  .description('runs every benchmark with its baseline and the CPU per process group')
  .option('--rows <n>', 'table size for the size-driven benchmarks', positive, 300_000)
  .option('--only <names>', `comma-separated subset of: ${BENCHES.map((b) => b.name).join(', ')}`)
  .option('--record', 'append the results to docs/BENCHMARKS.md')
  .parse();

const opts = program.opts<{ rows: number; only?: string; record?: boolean }>();

function chosen(): Bench[] {
  if (!opts.only) return BENCHES;
  const names = opts.only.split(',').map((n) => n.trim());
  const unknown = names.filter((n) => !BENCHES.some((b) => b.name === n));
  if (unknown.length) program.error(`unknown benchmark ${unknown.join(', ')}; known: ${BENCHES.map((b) => b.name).join(', ')}`);
  return BENCHES.filter((b) => names.includes(b.name));
}

/** Runs one benchmark script, echoing its output as it comes; resolves with that output and the wall time. */
function run(bench: Bench): Promise<{ output: string; seconds: number; code: number; cpu: ReturnType<typeof cpuBetween> }> {
  const started = process.hrtime.bigint();
  const args = [join(__dirname, bench.script), ...bench.args(opts.rows).map(String)];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    const before = cpuSnapshot(child.pid);
    // The tree's CPU is read while it lives: a process that has exited takes its counters along.
    let last = before;
    const sampler = setInterval(() => {
      last = cpuSnapshot(child.pid);
    }, 1000);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
    });
    child.on('error', reject);
    child.on('exit', () => clearInterval(sampler));
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      resolve({ output, seconds, code: code ?? 1, cpu: cpuBetween(before, last, seconds) });
    });
  });
}

/** The verdict a reader wants first: which process group held a core, if any. */
function bottleneck(rows: ReturnType<typeof cpuBetween>): string {
  const top = rows.find((r) => r.group !== 'other');
  if (!top) return 'no process group of the benchmark used 1 % of a core';
  if (top.corePercent >= 85) return `CPU-bound in ${top.group} (${fmt(top.corePercent)} % of one core)`;
  return `no process group saturates a core (busiest: ${top.group} at ${fmt(top.corePercent)} %): round trips or I/O bound`;
}

async function main() {
  const command = `npm run bench -- --rows ${opts.rows}${opts.only ? ` --only ${opts.only}` : ''}`;
  const report = [`## Run of ${new Date().toISOString().slice(0, 10)}: \`${command}\``, ''];
  let failed = 0;
  for (const bench of chosen()) {
    console.log(`\n### ${bench.name}\n`);
    const { output, seconds, code, cpu } = await run(bench);
    console.log(`\nCPU while ${bench.name} ran (${fmt(seconds, 1)} s wall):`);
    printTable(
      ['process group', 'CPU s', '% of one core'],
      cpu.map((r) => [r.group, fmt(r.cpuSeconds, 1), fmt(r.corePercent)]),
    );
    console.log(`bottleneck: ${bottleneck(cpu)}`);
    if (code !== 0) failed++;
    report.push(
      `### ${bench.name} (\`${bench.script} ${bench.args(opts.rows).join(' ')}\`, ${fmt(seconds, 1)} s${code === 0 ? '' : `, exited ${code}`})`,
      '',
      '```',
      output.trimEnd(),
      '```',
      '',
      `CPU per process group: ${cpu.map((r) => `${r.group} ${fmt(r.corePercent)} %`).join(', ') || 'none measured'}. Bottleneck: ${bottleneck(cpu)}.`,
      '',
    );
  }
  if (opts.record) appendFileSync(join(__dirname, '../../docs/BENCHMARKS.md'), `\n${report.join('\n')}`);
  if (failed) {
    console.error(`${failed} benchmark(s) failed`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
