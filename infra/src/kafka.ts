// Apache Kafka 3.9 (KRaft, one node that is both broker and controller),
// provisioned from Maven Central with `mvn dependency:copy-dependencies` and
// run as a plain JVM process. No Docker, no tarball download.
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import kafkajs from 'kafkajs';
import {
  InfraError,
  type Logger,
  assertPortFree,
  cacheDir,
  dismissWatchdog,
  ensureDir,
  findFreePort,
  indent,
  isAlive,
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
  stripAnsi,
  tailFile,
  tmpBase,
  waitForExit,
} from './util.js';

const { Kafka, logLevel } = kafkajs;

export const KAFKA_VERSION = '3.9.2';
const SCALA_VERSION = '2.13';
const SLF4J_BINDING = 'org.slf4j:slf4j-reload4j:1.7.36';
const DEPENDENCY_PLUGIN_VERSION = '3.8.1';
/** Jars that must be present after provisioning (kafka.Kafka and kafka.tools.StorageTool live in the core jar). */
const REQUIRED_JARS = [
  `kafka_${SCALA_VERSION}-${KAFKA_VERSION}.jar`,
  `kafka-server-${KAFKA_VERSION}.jar`,
  `kafka-metadata-${KAFKA_VERSION}.jar`,
  `kafka-raft-${KAFKA_VERSION}.jar`,
  `kafka-storage-${KAFKA_VERSION}.jar`,
  `kafka-clients-${KAFKA_VERSION}.jar`,
  'slf4j-reload4j-1.7.36.jar',
];
const MARKER = '.provisioned';
const DEFAULT_HEAP = ['-Xms256m', '-Xmx512m'];
/**
 * C1 only. The broker this package starts is a single-node development and test broker sharing two cores with
 * the services; C2's compiler threads then take about as much CPU as the broker's own work for its first minutes
 * (bench:e2e: the broker's CPU per CDR 0.113 -> 0.059 ms) and slow its start (8.5 -> 5.0 s on a loaded machine),
 * while C1's code is ready at once. RCP_KAFKA_JVM_FLAGS replaces these flags ("" for the JVM's own defaults,
 * e.g. for a broker meant to run for days).
 */
const DEFAULT_JVM_FLAGS = ['-XX:TieredStopAtLevel=1'];
const jvmFlags = (): string[] => {
  const set = process.env.RCP_KAFKA_JVM_FLAGS;
  return set === undefined ? DEFAULT_JVM_FLAGS : set.split(/\s+/).filter(Boolean);
};

export interface KafkaOptions {
  /** Client (PLAINTEXT) port on 127.0.0.1; a free one is picked when omitted. */
  port?: number;
  /** KRaft controller port on 127.0.0.1; a free one is picked when omitted. */
  controllerPort?: number;
  /**
   * Instance directory (config, data, logs, pid file). Kept after stop().
   * Default: `<cache>/run/kafka-<port>`, or a fresh tmp dir when `ephemeral`.
   */
  dir?: string;
  /**
   * Use a tmp dir that is deleted on stop(). Default: true when neither `dir` nor
   * `port` is given and not `detach` (a persistent dir named after a random port
   * could never be found again), else false.
   */
  ephemeral?: boolean;
  /**
   * false (default): the broker is stopped when this process exits, even if it
   * is killed (a small watchdog shell takes care of it). true: it keeps running
   * until stop() / `infra down`.
   */
  detach?: boolean;
  /** Honour `KAFKA_BROKERS` (use that cluster, start nothing). Default true. */
  useEnv?: boolean;
  /** Partitions of auto-created / default topics. Default 4. */
  numPartitions?: number;
  /** JVM heap flags. Default `-Xms256m -Xmx512m`. */
  heap?: string[];
  /** How long to wait for the broker to answer. Default 60 s. */
  startTimeoutMs?: number;
  /** Extra server.properties entries (override the defaults). */
  extraConfig?: Record<string, string | number | boolean>;
  /** Progress lines; default writes `[infra] ...` to stderr; false silences. */
  log?: Logger | false;
}

export interface KafkaHandle {
  /** `host:port` bootstrap addresses, e.g. `['127.0.0.1:40123']`. */
  brokers: string[];
  /** True when `KAFKA_BROKERS` pointed at an existing cluster (stop/restart are not possible). */
  external: boolean;
  /** Instance directory (undefined when external). */
  dir?: string;
  port?: number;
  controllerPort?: number;
  /** Stops the broker (SIGTERM, SIGKILL after 30 s); removes the dir when ephemeral. No-op when external. */
  stop(): Promise<void>;
  /**
   * Stops and starts the broker again on the same ports and data dir; resolves
   * when it answers again. `{ hard: true }` SIGKILLs it instead of a clean shutdown.
   */
  restart(opts?: { hard?: boolean }): Promise<void>;
  /** Whether the broker JVM is running (true for external). */
  isRunning(): boolean;
}

interface KafkaInstanceFile {
  kind: 'kafka';
  version: string;
  port: number;
  controllerPort: number;
  clusterId: string;
  libDir: string;
  heap: string[];
}

// ---------------------------------------------------------------------------
// Provisioning

export function kafkaLibDir(): string {
  return join(cacheDir(), `kafka-${KAFKA_VERSION}`, 'lib');
}

function pomXml(): string {
  const [slfGroup, slfArtifact, slfVersion] = SLF4J_BINDING.split(':');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Throwaway pom written by @rcp/infra: only used to fetch the Kafka broker jars. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>rcp.infra</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>${KAFKA_VERSION}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_${SCALA_VERSION}</artifactId>
      <version>${KAFKA_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>${slfGroup}</groupId>
      <artifactId>${slfArtifact}</artifactId>
      <version>${slfVersion}</version>
    </dependency>
  </dependencies>
  <build>
    <pluginManagement>
      <plugins>
        <plugin>
          <groupId>org.apache.maven.plugins</groupId>
          <artifactId>maven-dependency-plugin</artifactId>
          <version>${DEPENDENCY_PLUGIN_VERSION}</version>
        </plugin>
      </plugins>
    </pluginManagement>
  </build>
</project>
`;
}

function javaBin(): string {
  const home = process.env.JAVA_HOME;
  return home ? join(home, 'bin', 'java') : 'java';
}

let javaChecked: Promise<void> | undefined;
/** Fails with a clear message unless a Java 11+ runtime is available. */
export function checkJava(): Promise<void> {
  javaChecked ??= (async () => {
    const res = await run(javaBin(), ['-version'], { timeoutMs: 30_000 });
    if (res.error || res.code !== 0) {
      javaChecked = undefined;
      throw new InfraError(
        `Java not found (${javaBin()}${res.error ? `: ${res.error.code}` : ''}). Kafka needs a Java 11+ runtime (17 recommended): ` +
          `install one (e.g. apt-get install openjdk-17-jre-headless) or set JAVA_HOME, or point KAFKA_BROKERS at an existing cluster.`,
      );
    }
    const m = /version "(\d+)(?:\.(\d+))?/.exec(res.output);
    let major = m ? Number(m[1]) : 0;
    if (major === 1 && m?.[2]) major = Number(m[2]);
    if (major && major < 11) {
      javaChecked = undefined;
      throw new InfraError(`Java ${major} found, but Kafka ${KAFKA_VERSION} needs Java 11+ (17 recommended); set JAVA_HOME to a newer JDK.`);
    }
  })();
  return javaChecked;
}

function isProvisioned(home: string): boolean {
  if (!existsSync(join(home, MARKER))) return false;
  const lib = join(home, 'lib');
  return REQUIRED_JARS.every((j) => existsSync(join(lib, j)));
}

/**
 * Downloads the Kafka broker and its dependencies into
 * `<cache>/kafka-3.9.2/lib` (once; later calls return immediately).
 * Works in a staging dir and renames it into place, so an interrupted
 * download is simply redone and concurrent callers do not clash.
 */
export async function provisionKafka(opts: { log?: Logger | false } = {}): Promise<string> {
  const log = resolveLogger(opts.log);
  const home = join(cacheDir(), `kafka-${KAFKA_VERSION}`);
  if (isProvisioned(home)) return join(home, 'lib');

  const t0 = Date.now();
  ensureDir(cacheDir());
  // Staging dirs of interrupted downloads (a running one is never that old).
  for (const entry of readdirSync(cacheDir())) {
    const stale = join(cacheDir(), entry);
    if (entry.startsWith(`.kafka-${KAFKA_VERSION}-staging-`) && Date.now() - statSync(stale).mtimeMs > 3_600_000) {
      rmSync(stale, { recursive: true, force: true });
    }
  }
  log(`kafka: downloading Kafka ${KAFKA_VERSION} jars from Maven Central (first run only)...`);
  const staging = mkdtempSync(join(cacheDir(), `.kafka-${KAFKA_VERSION}-staging-`));
  try {
    writeFileSync(join(staging, 'pom.xml'), pomXml());
    const mvn = process.env.RCP_MVN || 'mvn';
    const res = await run(
      mvn,
      [
        '-q',
        '-B',
        '-Dstyle.color=never',
        // = `dependency:copy-dependencies`, with the plugin version pinned (no prefix lookup)
        `org.apache.maven.plugins:maven-dependency-plugin:${DEPENDENCY_PLUGIN_VERSION}:copy-dependencies`,
        '-DoutputDirectory=lib',
        '-DincludeScope=runtime',
      ],
      { cwd: staging, timeoutMs: 15 * 60_000 },
    );
    if (res.error) {
      throw new InfraError(
        res.error.code === 'ENOENT'
          ? `Maven (${mvn}) not found on PATH; it is needed once to download Kafka from Maven Central. ` +
              `Install Maven 3.6+ (e.g. apt-get install maven), or set KAFKA_BROKERS to an existing cluster.`
          : `could not run Maven (${mvn}): ${res.error.message}`,
      );
    }
    if (res.code !== 0) {
      throw new InfraError(
        `Maven failed to download Kafka ${KAFKA_VERSION} (exit ${res.code}). Is Maven Central reachable? Last output:\n` +
          indent(stripAnsi(res.output).trim().split('\n').slice(-20).join('\n')),
      );
    }
    const lib = join(staging, 'lib');
    const missing = REQUIRED_JARS.filter((j) => !existsSync(join(lib, j)));
    if (missing.length) throw new InfraError(`Kafka download incomplete, missing: ${missing.join(', ')}`);
    writeFileSync(join(staging, MARKER), `${new Date().toISOString()} ${readdirSync(lib).length} jars\n`);
    if (isProvisioned(home)) return join(home, 'lib'); // someone else won the race
    rmSync(home, { recursive: true, force: true }); // leftovers of an interrupted run
    try {
      renameSync(staging, home);
    } catch (err) {
      if (!isProvisioned(home)) throw err;
    }
    log(`kafka: ${readdirSync(join(home, 'lib')).length} jars cached in ${home} (${seconds(t0)})`);
    return join(home, 'lib');
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// Instance files

const paths = (dir: string) => ({
  instance: join(dir, 'instance.json'),
  serverProps: join(dir, 'server.properties'),
  log4j: join(dir, 'log4j.properties'),
  data: join(dir, 'data'),
  pid: join(dir, 'kafka.pid'),
  out: join(dir, 'kafka.out'),
  serverLog: join(dir, 'logs', 'server.log'),
  logs: join(dir, 'logs'),
});

/** A KRaft cluster id: 16 random bytes, URL-safe base64, 22 chars. */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export function renderServerProperties(o: {
  port: number;
  controllerPort: number;
  dataDir: string;
  numPartitions?: number;
  extra?: Record<string, string | number | boolean>;
}): string {
  const props: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${o.controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${o.port},CONTROLLER://127.0.0.1:${o.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${o.port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': o.dataDir,
    // Topics are created explicitly through the admin API by the project.
    'auto.create.topics.enable': false,
    'num.partitions': o.numPartitions ?? 4,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 10,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 10,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'group.initial.rebalance.delay.ms': 0,
    // After a crash (SIGKILL) the restarted node must wait for its old broker session to
    // expire before it may register again: 6 s instead of the default 9 s.
    'broker.heartbeat.interval.ms': 1000,
    'broker.session.timeout.ms': 6000,
    // Dev box: keep everything (no time or size based deletion).
    'log.retention.ms': -1,
    'log.retention.bytes': -1,
    'num.network.threads': 2,
    'num.io.threads': 4,
    'num.recovery.threads.per.data.dir': 1,
    'delete.topic.enable': true,
    ...o.extra,
  };
  return (
    '# Written by @rcp/infra. Single-node KRaft (broker + controller).\n' +
    Object.entries(props)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join('\n') +
    '\n'
  );
}

function renderLog4j(logsDir: string): string {
  const file = join(logsDir, 'server.log').replace(/\\/g, '/');
  return `# Written by @rcp/infra: broker logs go to a file, never to stdout.
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=${file}
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=3
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.controller=INFO
log4j.logger.kafka.log.LogCleaner=INFO
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.authorizer.logger=WARN
`;
}

function readInstance(dir: string): KafkaInstanceFile {
  const p = paths(dir);
  try {
    const inst = JSON.parse(readFileSync(p.instance, 'utf8')) as KafkaInstanceFile;
    if (inst.kind !== 'kafka') throw new Error('not a kafka instance');
    return inst;
  } catch (err) {
    throw new InfraError(`${dir} is not a Kafka instance directory (${(err as Error).message})`);
  }
}

/** The pid of the broker JVM of this instance dir, when it is running. */
export function kafkaPid(dir: string): number | null {
  const p = paths(dir);
  const pid = readPid(p.pid);
  if (!pid) return null;
  const cmd = processCommand(pid);
  return cmd && cmd.includes('kafka.Kafka') && cmd.includes(p.serverProps) ? pid : null;
}

// ---------------------------------------------------------------------------
// Readiness

/** Resolves once `brokers` answer a metadata request; rejects after `timeoutMs`. */
export async function waitForKafka(
  brokers: string[],
  opts: { timeoutMs?: number; alive?: () => boolean } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    if (opts.alive && !opts.alive()) throw new InfraError('__died__');
    const kafka = new Kafka({
      clientId: 'rcp-infra-probe',
      brokers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1000,
      requestTimeout: 3000,
      retry: { retries: 0 },
    });
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length > 0 && cluster.controller !== null && cluster.controller !== undefined && cluster.controller >= 0) {
        return;
      }
      lastError = 'broker not registered yet';
    } catch (err) {
      lastError = (err as Error).message;
    } finally {
      await admin.disconnect().catch(() => {});
    }
    await sleep(250);
  }
  throw new InfraError(`Kafka at ${brokers.join(',')} did not answer within ${Math.round((opts.timeoutMs ?? 60_000) / 1000)}s (${lastError})`);
}

// ---------------------------------------------------------------------------
// Start / stop of one instance dir

async function formatStorage(dir: string, inst: KafkaInstanceFile, log: Logger): Promise<void> {
  const p = paths(dir);
  if (existsSync(join(p.data, 'meta.properties'))) return;
  log(`kafka: formatting storage in ${p.data}`);
  const res = await run(
    javaBin(),
    [
      '-Xmx256m',
      '-XX:TieredStopAtLevel=1',
      `-Dlog4j.configuration=file:${p.log4j}`,
      `-Dkafka.logs.dir=${p.logs}`,
      '-cp',
      join(inst.libDir, '*'),
      'kafka.tools.StorageTool',
      'format',
      '-t',
      inst.clusterId,
      '-c',
      p.serverProps,
      '--ignore-formatted',
    ],
    { cwd: dir, timeoutMs: 120_000 },
  );
  if (res.error || res.code !== 0) {
    throw new InfraError(
      `kafka storage format failed (${res.error ? res.error.message : `exit ${res.code}`}):\n${indent(res.output.trim().split('\n').slice(-20).join('\n'))}`,
    );
  }
}

/** Starts the broker of an existing instance dir and waits until it answers. Returns its pid. */
async function launch(dir: string, log: Logger, timeoutMs: number, portWaitMs = 0): Promise<number> {
  const p = paths(dir);
  const inst = readInstance(dir);
  const running = kafkaPid(dir);
  if (running) throw new InfraError(`kafka: an instance is already running in ${dir} (pid ${running})`);
  if (!existsSync(join(inst.libDir, `kafka_${SCALA_VERSION}-${inst.version}.jar`))) {
    throw new InfraError(`kafka: jars missing in ${inst.libDir}; run \`tsx infra/src/cli.ts provision\``);
  }
  await assertPortFree(inst.port, 'kafka', portWaitMs);
  await assertPortFree(inst.controllerPort, 'kafka controller', portWaitMs);
  await formatStorage(dir, inst, log);

  const t0 = Date.now();
  const fd = openSync(p.out, 'a');
  let pid: number | undefined;
  let spawnError: Error | undefined;
  try {
    const child = spawn(
      javaBin(),
      [
        ...inst.heap,
        ...jvmFlags(),
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-XX:+ExitOnOutOfMemoryError',
        '-Djava.awt.headless=true',
        `-Dlog4j.configuration=file:${p.log4j}`,
        `-Dkafka.logs.dir=${p.logs}`,
        '-cp',
        join(inst.libDir, '*'),
        'kafka.Kafka',
        p.serverProps,
      ],
      { cwd: dir, detached: true, stdio: ['ignore', fd, fd] },
    );
    child.on('error', (err) => (spawnError = err));
    child.unref();
    pid = child.pid;
  } finally {
    closeSync(fd);
  }
  if (!pid) throw new InfraError(`kafka: could not start java: ${spawnError?.message ?? 'unknown error'}`);
  writeFileSync(p.pid, `${pid}\n`);

  try {
    await waitForKafka([`127.0.0.1:${inst.port}`], { timeoutMs, alive: () => isAlive(pid) });
  } catch (err) {
    const died = !isAlive(pid);
    if (!died) {
      signal(pid, 'SIGKILL', true);
      await waitForExit(pid, 5000);
    }
    const tail = [tailFile(p.out, 15), tailFile(p.serverLog, 25)].filter(Boolean).join('\n');
    const why = died ? 'the Kafka JVM exited during startup' : (err as Error).message;
    throw new InfraError(`kafka: ${why}. Last log lines (${p.serverLog}):\n${indent(tail || '(empty)')}`);
  }
  log(`kafka ready at 127.0.0.1:${inst.port} in ${seconds(t0)}`);
  return pid;
}

/**
 * Stops the broker of an instance dir, possibly started by another process
 * (found through its pid file). SIGTERM (clean shutdown), SIGKILL after
 * `timeoutMs`; `hard` SIGKILLs right away.
 */
export async function stopKafkaInstance(dir: string, opts: { hard?: boolean; timeoutMs?: number } = {}): Promise<void> {
  const pid = kafkaPid(dir);
  if (!pid) return;
  if (opts.hard) {
    signal(pid, 'SIGKILL', true);
    await waitForExit(pid, 10_000);
    return;
  }
  signal(pid, 'SIGTERM');
  if (!(await waitForExit(pid, opts.timeoutMs ?? 30_000))) {
    signal(pid, 'SIGKILL', true);
    await waitForExit(pid, 10_000);
  }
}

function makeHandle(dir: string, log: Logger, timeoutMs: number, extra: { ephemeral?: boolean; watchdog?: number }): KafkaHandle {
  const inst = readInstance(dir);
  return {
    brokers: [`127.0.0.1:${inst.port}`],
    external: false,
    dir,
    port: inst.port,
    controllerPort: inst.controllerPort,
    isRunning: () => kafkaPid(dir) !== null,
    ...serverLifecycle({ name: 'kafka', what: 'broker', dir, log, ephemeral: extra.ephemeral, watchdog: extra.watchdog, stopInstance: (opts) => stopKafkaInstance(dir, opts), launch: () => launch(dir, log, timeoutMs, 10_000) }),
  };
}

function externalHandle(brokers: string[]): KafkaHandle {
  return {
    brokers,
    external: true,
    isRunning: () => true,
    async stop() {},
    async restart() {
      throw new InfraError('kafka: cannot restart an external cluster (KAFKA_BROKERS is set)');
    },
  };
}

export function parseBrokers(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Starts a single-node Kafka (or uses `KAFKA_BROKERS`) and resolves once it answers.
 */
export async function startKafka(opts: KafkaOptions = {}): Promise<KafkaHandle> {
  const log = resolveLogger(opts.log);
  const timeoutMs = opts.startTimeoutMs ?? 60_000;
  const env = process.env.KAFKA_BROKERS;
  if ((opts.useEnv ?? true) && env && env.trim()) {
    const brokers = parseBrokers(env);
    log(`kafka: using KAFKA_BROKERS=${brokers.join(',')}`);
    await waitForKafka(brokers, { timeoutMs: Math.min(timeoutMs, 30_000) });
    return externalHandle(brokers);
  }

  await checkJava();
  const libDir = await provisionKafka({ log });

  let dir: string;
  let port = opts.port;
  let controllerPort = opts.controllerPort;
  const fromDir = opts.dir ? resolve(opts.dir) : undefined;
  const previous = fromDir && existsSync(paths(fromDir).instance) ? readInstance(fromDir) : undefined;
  port ??= previous?.port ?? (await findFreePort());
  controllerPort ??= previous?.controllerPort ?? (await findFreePort([port]));
  if (port === controllerPort) throw new InfraError('kafka: port and controllerPort must differ');
  if (!previous || kafkaPid(fromDir!) === null) {
    await assertPortFree(port, 'kafka');
    await assertPortFree(controllerPort, 'kafka controller');
  }

  const ephemeral = !fromDir && (opts.ephemeral ?? (opts.port === undefined && !opts.detach));
  if (fromDir) dir = fromDir;
  else if (ephemeral) dir = mkdtempSync(join(tmpBase(), 'rcp-kafka-'));
  else dir = join(runDir(), `kafka-${port}`);
  ensureDir(dir);
  const p = paths(dir);
  ensureDir(p.logs);

  const existing = existsSync(p.instance) ? readInstance(dir) : undefined;
  if (existing && (existing.port !== port || existing.controllerPort !== controllerPort) && existsSync(join(p.data, 'meta.properties'))) {
    log(`kafka: ${dir} was used with ports ${existing.port}/${existing.controllerPort}; now ${port}/${controllerPort}`);
  }
  const inst: KafkaInstanceFile = {
    kind: 'kafka',
    version: KAFKA_VERSION,
    port,
    controllerPort,
    clusterId: existing?.clusterId ?? newClusterId(),
    libDir,
    heap: opts.heap ?? DEFAULT_HEAP,
  };
  writeFileSync(p.instance, JSON.stringify(inst, null, 2) + '\n');
  writeFileSync(p.serverProps, renderServerProperties({ port, controllerPort, dataDir: p.data, numPartitions: opts.numPartitions, extra: opts.extraConfig }));
  writeFileSync(p.log4j, renderLog4j(p.logs));

  log(`kafka: starting broker on 127.0.0.1:${port} (data: ${dir})`);
  try {
    await launch(dir, log, timeoutMs);
  } catch (err) {
    if (ephemeral) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const watchdog = opts.detach
    ? undefined
    : spawnWatchdog({ pidFile: p.pid, signal: 'TERM', killGroup: true, removeDir: ephemeral ? dir : undefined });
  return makeHandle(dir, log, timeoutMs, { ephemeral, watchdog });
}

/**
 * A handle on a broker started elsewhere (e.g. by `infra with-infra`, which
 * exports `RCP_KAFKA_DIR`), so a test can restart it. Calling stop() on it
 * stops the broker for everyone; the owner still cleans up at the end.
 */
export function attachKafka(dir = process.env.RCP_KAFKA_DIR, opts: { log?: Logger | false; startTimeoutMs?: number } = {}): KafkaHandle {
  if (!dir) {
    throw new InfraError(
      process.env.KAFKA_BROKERS
        ? 'kafka: KAFKA_BROKERS points at an external cluster; it cannot be restarted from here'
        : 'kafka: no instance to attach to (RCP_KAFKA_DIR is not set)',
    );
  }
  return makeHandle(resolve(dir), resolveLogger(opts.log), opts.startTimeoutMs ?? 60_000, {});
}

/** Restarts the broker started by `infra with-infra` / `infra up` (see attachKafka). */
export async function restartKafka(opts: { hard?: boolean; dir?: string; log?: Logger | false } = {}): Promise<void> {
  await attachKafka(opts.dir, { log: opts.log }).restart({ hard: opts.hard });
}
