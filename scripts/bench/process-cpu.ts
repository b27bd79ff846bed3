import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time per process group from /proc, so a benchmark can name its bottleneck with evidence:
 * the group that used most of a core while the others waited. The groups are the benchmark's
 * own process tree ("benchmark") and the database and Temporal servers it drives; everything
 * else on the machine is summed as "other", the noise a shared machine adds. Linux only;
 * elsewhere the snapshot is empty and the table says so.
 */
const SERVERS: [prefix: string, group: string][] = [
  ['postgres', 'postgres'],
  ['postmaster', 'postgres'],
  ['ferretdb', 'ferretdb'],
  ['temporal', 'temporal'],
  ['mariadbd', 'mariadb'],
  ['mysqld', 'mariadb'],
];
const TICKS_PER_SECOND = 100;

type Snapshot = Map<string, number>;

/** CPU seconds used so far by every live process, summed per process group; `root` is the benchmark's process. */
export function cpuSnapshot(root?: number): Snapshot {
  const byGroup: Snapshot = new Map();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return byGroup;
  }
  const procs = pids.flatMap((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // comm sits in parentheses and may hold spaces; after it come state, ppid, … utime (12th) and stime (13th).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      return [{ pid: Number(pid), ppid: Number(fields[1]), comm, seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND }];
    } catch {
      return []; // ended between listing and reading
    }
  });
  const parent = new Map(procs.map((p) => [p.pid, p.ppid]));
  const inTree = (pid: number) => {
    for (let p: number | undefined = pid; p; p = parent.get(p)) if (p === root) return true;
    return false;
  };
  for (const p of procs) {
    const group = root !== undefined && inTree(p.pid) ? 'benchmark' : (SERVERS.find(([prefix]) => p.comm.startsWith(prefix))?.[1] ?? 'other');
    byGroup.set(group, (byGroup.get(group) ?? 0) + p.seconds);
  }
  return byGroup;
}

/**
 * Process groups that used at least 1 % of a core between two snapshots, busiest first. Processes
 * that ended in between are missed (their time left with them), so short-lived ones are under-counted.
 */
export function cpuBetween(before: Snapshot, after: Snapshot, wallSeconds: number): { group: string; cpuSeconds: number; corePercent: number }[] {
  return [...after]
    .map(([group, t]) => ({ group, cpuSeconds: t - (before.get(group) ?? 0) }))
    .map((r) => ({ ...r, corePercent: (100 * r.cpuSeconds) / wallSeconds }))
    .filter((r) => r.corePercent >= 1)
    .sort((a, b) => b.cpuSeconds - a.cpuSeconds);
}
