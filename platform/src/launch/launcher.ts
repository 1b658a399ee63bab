import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SERVICES = ['ingestion', 'rating', 'charging', 'invoicing', 'provisioning'] as const;
export type ServiceName = (typeof SERVICES)[number];

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export type RunningService = { name: ServiceName; url: string; port: number; process: ChildProcess };

/**
 * Node flags every service runs with. A larger young generation: a consumer's batch (thousands of CDRs, their
 * outcomes and SQL parameters) outlives the default 16 MB semi-space, and copying it to the old generation
 * was the biggest single cost of rating a batch (GC was 40% of rating's CPU in the end-to-end benchmark).
 */
export const SERVICE_NODE_FLAGS = ['--max-semi-space-size=64'];

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Runs the services as separate Node processes (each its own `main.ts`, as in production), with their
 * logs in files. A test can kill one with SIGKILL and start it again on the same port.
 */
export class Launcher {
  private readonly running = new Map<ServiceName, RunningService>();
  private readonly logs = new Map<ServiceName, WriteStream>();

  constructor(
    private readonly opts: {
      /** Environment shared by every service: KAFKA_BROKERS, DATABASE_URL, RCP_TOPIC_PREFIX, ... */
      env: Record<string, string>;
      /** Extra environment per service (RCP_SWITCHES for ingestion, RCP_OPS_TOKEN for rating). */
      serviceEnv: Partial<Record<ServiceName, Record<string, string>>>;
      logDir: string;
    },
  ) {
    mkdirSync(opts.logDir, { recursive: true });
  }

  get(name: ServiceName): RunningService {
    const s = this.running.get(name);
    if (!s) throw new Error(`${name} is not running`);
    return s;
  }

  url(name: ServiceName): string {
    return this.get(name).url;
  }

  async start(name: ServiceName, port?: number): Promise<RunningService> {
    const p = port ?? this.running.get(name)?.port ?? (await freePort());
    const log = this.logs.get(name) ?? createWriteStream(join(this.opts.logDir, `${name}.log`), { flags: 'a' });
    this.logs.set(name, log);
    const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, ...profileArgs(), '--import', 'tsx', join(repoRoot, 'services', name, 'src', 'main.ts')], {
      cwd: repoRoot,
      env: { ...process.env, ...this.opts.env, ...this.linkedEnv(name), ...this.opts.serviceEnv[name], PORT: String(p), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    const service: RunningService = { name, url: `http://127.0.0.1:${p}`, port: p, process: child };
    this.running.set(name, service);
    await this.waitReady(service);
    return service;
  }

  async startAll(): Promise<void> {
    // In parallel: each creates its own schema and the shared topics (creation is idempotent). Provisioning
    // last: it is given the URLs of the services it calls.
    await Promise.all(SERVICES.filter((s) => s !== 'provisioning').map((s) => this.start(s)));
    await this.start('provisioning');
  }

  /**
   * Provisioning posts top-ups to charging (with charging's ops token), reads invoices and usage from
   * invoicing and applies partner retail prices through rating's catalogue API (with rating's ops token):
   * their URLs when they run.
   */
  private linkedEnv(name: ServiceName): Record<string, string> {
    // One ops token for the platform (rating's): charging takes it for top-ups and adjustments, invoicing
    // for closing periods, issuing, notes, payments and its billing document.
    const platformOpsToken = this.opts.serviceEnv.rating?.RCP_OPS_TOKEN;
    if (name === 'charging' || name === 'invoicing') return platformOpsToken ? { RCP_OPS_TOKEN: platformOpsToken } : {};
    if (name !== 'provisioning') return {};
    const env: Record<string, string> = {};
    const urls = { charging: 'RCP_CHARGING_URL', invoicing: 'RCP_INVOICING_URL', rating: 'RCP_RATING_URL' } as const;
    for (const [service, variable] of Object.entries(urls) as [ServiceName, string][]) {
      const running = this.running.get(service);
      if (running) env[variable] = running.url;
    }
    if (platformOpsToken) env.RCP_RATING_OPS_SECRET = platformOpsToken;
    const chargingOpsToken = this.opts.serviceEnv.charging?.RCP_OPS_TOKEN ?? platformOpsToken;
    if (chargingOpsToken) env.RCP_CHARGING_OPS_SECRET = chargingOpsToken;
    return env;
  }

  /** SIGTERM (graceful) or SIGKILL (a crash); resolves when the process has exited. */
  async stop(name: ServiceName, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const s = this.running.get(name);
    if (!s || s.process.exitCode !== null || s.process.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => s.process.once('exit', () => resolve()));
    s.process.kill(signal);
    const timer = setTimeout(() => s.process.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }

  async restart(name: ServiceName, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.stop(name, signal);
    await this.start(name);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((n) => this.stop(n)));
    for (const log of this.logs.values()) log.end();
  }

  private async waitReady(s: RunningService, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (s.process.exitCode !== null) throw new Error(`${s.name} exited with code ${s.process.exitCode} while starting; see ${join(this.opts.logDir, `${s.name}.log`)}`);
      try {
        const res = await fetch(`${s.url}/readyz`);
        if (res.ok) return;
        last = await res.text();
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${s.name} not ready after ${timeoutMs} ms (${last}); see ${join(this.opts.logDir, `${s.name}.log`)}`);
  }
}

/** RCP_PROFILE_DIR set: each service writes a V8 CPU profile there when it exits (for finding where time goes). */
function profileArgs(): string[] {
  const dir = process.env.RCP_PROFILE_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}
