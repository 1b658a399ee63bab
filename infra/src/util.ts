// Small helpers shared by the Kafka and Postgres launchers: paths, logging,
// ports, processes. Node built-ins only.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/** An expected failure (java missing, port busy, download failed...): the CLI prints only the message. */
export class InfraError extends Error {
  override name = 'InfraError';
}

export type Logger = (message: string) => void;

export const defaultLogger: Logger = (message) => {
  process.stderr.write(`[infra] ${message}\n`);
};

export function resolveLogger(log: Logger | false | undefined): Logger {
  if (log === false) return () => {};
  return log ?? defaultLogger;
}

/** `$RCP_CACHE_DIR`, else `$XDG_CACHE_HOME/rcp`, else `~/.cache/rcp`. */
export function cacheDir(): string {
  const fromEnv = process.env.RCP_CACHE_DIR;
  if (fromEnv) return fromEnv;
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg || join(homedir(), '.cache'), 'rcp');
}

/** Where long-lived (non-ephemeral) instances and infra.json live. */
export function runDir(): string {
  return join(cacheDir(), 'run');
}

export function tmpBase(): string {
  return tmpdir();
}

export function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function seconds(startMs: number): string {
  return `${((Date.now() - startMs) / 1000).toFixed(1)}s`;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves true when nothing listens on host:port (we could bind it). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => {
      srv.close(() => resolve(true));
    });
  });
}

/** Asks the OS for a free TCP port on 127.0.0.1 (not in `exclude`). */
export async function findFreePort(exclude: number[] = []): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.unref();
      srv.once('error', reject);
      srv.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
        const addr = srv.address();
        const p = typeof addr === 'object' && addr ? addr.port : 0;
        srv.close(() => resolve(p));
      });
    });
    if (port && !exclude.includes(port)) return port;
  }
  throw new InfraError('could not find a free TCP port on 127.0.0.1');
}

/**
 * Fails unless the port is (or, within `waitMs`, becomes) free. The wait covers a
 * just-killed process whose sockets the kernel has not released yet.
 */
export async function assertPortFree(port: number, what: string, waitMs = 0): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!(await isPortFree(port)) && Date.now() < deadline) await sleep(200);
  if (!(await isPortFree(port))) {
    throw new InfraError(`${what}: port ${port} on 127.0.0.1 is already in use`);
  }
}

/** The command line of a process, or null when it does not exist (or is a zombie). */
export function processCommand(pid: number): string | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  if (existsSync('/proc/self/stat')) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // state is the field after the ")" closing the command name
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'X') return null;
      if (state === 'Z') {
        // A multi-threaded process (the JVM) shows its leader as a zombie while the other
        // threads are still being torn down; it only holds no resources once they are gone.
        const threads = /^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        if (!threads || Number(threads[1]) <= 1) return null;
      }
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    } catch {
      return null;
    }
  }
  const res = spawnSync('ps', ['-o', 'stat=,command=', '-p', String(pid)], { encoding: 'utf8' });
  const line = (res.stdout ?? '').trim();
  if (res.status !== 0 || !line || line.startsWith('Z')) return null;
  return line.replace(/^\S+\s+/, '');
}

/** Direct children of a process (Linux /proc, else `pgrep -P`). */
export function childPids(pid: number): number[] {
  if (existsSync('/proc/self/stat')) {
    const out: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid === pid) out.push(Number(entry));
      } catch {
        // process went away
      }
    }
    return out;
  }
  const res = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
  return (res.stdout ?? '')
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

export function isAlive(pid: number): boolean {
  return processCommand(pid) !== null;
}

export function signal(pid: number, sig: NodeJS.Signals, group = false): boolean {
  try {
    process.kill(group ? -pid : pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Polls until the process is gone; true if it exited within the timeout. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(100);
  }
  return !isAlive(pid);
}

export function readPid(file: string): number | null {
  try {
    const first = readFileSync(file, 'utf8').split('\n')[0]?.trim() ?? '';
    const pid = Number.parseInt(first, 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** The last `lines` lines of a (possibly large) text file, '' if missing. */
export function tailFile(file: string, lines = 25): string {
  try {
    const size = statSync(file).size;
    const len = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(len);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buf, 0, len, size - len);
    } finally {
      closeSync(fd);
    }
    return buf.toString('utf8').split('\n').filter((l) => l.trim() !== '').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
}

export function indent(text: string, prefix = '    '): string {
  return text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}

/** Runs a command to completion, capturing output. Never throws for a non-zero exit. */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; uid?: number; gid?: number; timeoutMs?: number } = {},
): Promise<{ code: number | null; output: string; error?: NodeJS.ErrnoException }> {
  return new Promise((resolve) => {
    let output = '';
    let settled = false;
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
      ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    });
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          output += `\n(timed out after ${opts.timeoutMs} ms)`;
          child.kill('SIGKILL');
        }, opts.timeoutMs)
      : undefined;
    child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      resolve({ code: null, output, error });
    });
    child.on('close', (code) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/**
 * Ties an instance's lifetime to the current process: a tiny detached shell
 * polls our pid and, once we are gone (even after SIGKILL), stops the process
 * named by `pidFile` (first line), then removes `removeDir` if given.
 * Returns the watchdog's pid so a clean stop() can dismiss it.
 */
export function spawnWatchdog(opts: {
  pidFile: string;
  signal: 'TERM' | 'INT';
  killGroup: boolean;
  removeDir?: string;
  graceSeconds?: number;
}): number | undefined {
  const script = [
    'owner=$1; pidfile=$2; sig=$3; grp=$4; rmdir=$5; grace=$6',
    'while kill -0 "$owner" 2>/dev/null; do sleep 1; done',
    'pid=$(head -n 1 "$pidfile" 2>/dev/null | tr -dc 0-9)',
    'if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then',
    '  kill -"$sig" "$pid" 2>/dev/null',
    '  i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt $((grace * 10)) ]; do sleep 0.1; i=$((i + 1)); done',
    '  if kill -0 "$pid" 2>/dev/null; then if [ "$grp" = 1 ]; then kill -9 -"$pid" 2>/dev/null; else kill -9 "$pid" 2>/dev/null; fi; fi',
    'fi',
    'if [ -n "$rmdir" ]; then sleep 0.5; rm -rf "$rmdir"; fi',
  ].join('\n');
  try {
    const child = spawn(
      'sh',
      [
        '-c',
        script,
        'rcp-infra-watchdog',
        String(process.pid),
        opts.pidFile,
        opts.signal,
        opts.killGroup ? '1' : '0',
        opts.removeDir ?? '',
        String(opts.graceSeconds ?? 30),
      ],
      { detached: true, stdio: 'ignore' },
    );
    child.on('error', () => {});
    child.unref();
    return child.pid;
  } catch {
    return undefined;
  }
}

export function dismissWatchdog(pid: number | undefined): void {
  if (pid && processCommand(pid)?.includes('rcp-infra-watchdog')) signal(pid, 'SIGKILL');
}

/**
 * stop() and restart() of a server this process started (Kafka's broker, PostgreSQL's postmaster): the
 * watchdog dismissed and an ephemeral dir removed on stop; restart stops (SIGKILL when `hard`) and launches.
 */
export function serverLifecycle(o: {
  name: 'kafka' | 'postgres';
  what: string;
  dir: string;
  log: Logger;
  ephemeral?: boolean;
  watchdog?: number;
  stopInstance: (opts?: { hard?: boolean }) => Promise<void>;
  launch: () => Promise<unknown>;
}): { stop(): Promise<void>; restart(opts?: { hard?: boolean }): Promise<void> } {
  let watchdog = o.watchdog;
  let stopped = false;
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      dismissWatchdog(watchdog);
      watchdog = undefined;
      const t0 = Date.now();
      await o.stopInstance();
      if (o.ephemeral) rmSync(o.dir, { recursive: true, force: true });
      o.log(`${o.name} stopped (${seconds(t0)})`);
    },
    async restart(opts = {}) {
      if (stopped) throw new InfraError(`${o.name}: restart() after stop()`);
      const t0 = Date.now();
      o.log(`${o.name}: ${opts.hard ? 'killing (SIGKILL)' : 'stopping'} ${o.what} for restart`);
      await o.stopInstance(opts);
      await o.launch();
      o.log(`${o.name} restarted in ${seconds(t0)}`);
    },
  };
}
