// CPU time of processes and process trees from /proc (Linux): where a benchmark's time goes, per component.
import { readdirSync, readFileSync } from 'node:fs';
import { execSync } from 'node:child_process';

const ticksPerSecond = (() => {
  try {
    return Number(execSync('getconf CLK_TCK').toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

type Stat = { pid: number; ppid: number; seconds: number };

function stats(): Stat[] {
  const out: Stat[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      // Fields after the command name "(...)": state ppid ... utime(14) stime(15), numbered from 1.
      const fields = readFileSync(`/proc/${e}/stat`, 'utf8').split(') ')[1]!.split(' ');
      out.push({ pid: Number(e), ppid: Number(fields[1]), seconds: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/** CPU seconds (user + system) used so far by each root process and its live descendants; null off Linux. */
export function treeCpuSeconds(roots: Record<string, number | null | undefined>): Record<string, number | null> {
  const all = stats();
  const children = new Map<number, Stat[]>();
  for (const s of all) (children.get(s.ppid) ?? children.set(s.ppid, []).get(s.ppid)!).push(s);
  const byPid = new Map(all.map((s) => [s.pid, s]));
  const result: Record<string, number | null> = {};
  for (const [name, pid] of Object.entries(roots)) {
    const root = pid ? byPid.get(pid) : undefined;
    if (!root) {
      result[name] = null;
      continue;
    }
    let sum = 0;
    const stack = [root];
    while (stack.length > 0) {
      const s = stack.pop()!;
      sum += s.seconds;
      stack.push(...(children.get(s.pid) ?? []));
    }
    result[name] = sum;
  }
  return result;
}

/** CPU seconds used so far by each of these processes (those still running). */
export function processCpuSeconds(pids: number[]): Map<number, number> {
  const wanted = new Set(pids);
  return new Map(stats().filter((s) => wanted.has(s.pid)).map((s) => [s.pid, s.seconds]));
}
