// tsx infra/src/cli.ts <up|down|status|with-infra -- cmd...|provision>
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants as osConstants } from 'node:os';
import {
  InfraError,
  type Infra,
  type InfraState,
  attachKafka,
  attachPostgres,
  checkJava,
  infraStateFile,
  provisionKafka,
  readInfraState,
  redactUrl,
  startInfra,
  waitForKafka,
  waitForPostgres,
  writeInfraState,
} from './index.js';
import { kafkaPid } from './kafka.js';
import { postgresPid } from './postgres.js';
import { defaultLogger as log, isPortFree, seconds } from './util.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const USAGE = `usage: tsx infra/src/cli.ts <command>

  up                       start Kafka + PostgreSQL in the background (kept running), write ${'<cache>'}/run/infra.json
  down                     stop what \`up\` started
  status                   show what \`up\` started and whether it answers
  with-infra -- <cmd...>   start both (or use KAFKA_BROKERS / DATABASE_URL), run <cmd> with them exported, stop, exit with <cmd>'s code
  provision                download the Kafka jars from Maven Central into the cache (done automatically on first start)

env: KAFKA_BROKERS, DATABASE_URL (use existing servers), RCP_CACHE_DIR (default ~/.cache/rcp),
     RCP_KAFKA_PORT, RCP_POSTGRES_PORT (ports for \`up\`), RCP_KAFKA_JVM_FLAGS (broker JIT flags)`;

function intEnv(name: string): number | undefined {
  const v = process.env[name];
  if (!v) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new InfraError(`${name}=${v} is not a valid port`);
  return n;
}

// ---------------------------------------------------------------------------

async function up(): Promise<number> {
  const t0 = Date.now();
  const prev = readInfraState();
  if (prev?.running) {
    const kOk = prev.kafka.external || (prev.kafka.dir !== undefined && kafkaPid(prev.kafka.dir) !== null);
    const pOk = prev.postgres.external || (prev.postgres.dir !== undefined && postgresPid(prev.postgres.dir) !== null);
    if (kOk && pOk) {
      log('already up (see `status`; `down` to stop)');
      printEnv(prev.brokers, prev.databaseUrl);
      return 0;
    }
    log('previous `up` state is stale (processes gone); starting again');
    await stopFromState(prev, true);
  }

  // Re-use the previous ports and data dirs when possible, so data survives down/up.
  const kafkaPort = intEnv('RCP_KAFKA_PORT') ?? (await reusable(prev?.kafka.port));
  const controllerPort = intEnv('RCP_KAFKA_PORT') ? undefined : await reusable(prev?.kafka.controllerPort);
  const pgPort = intEnv('RCP_POSTGRES_PORT') ?? (await reusable(prev?.postgres.port));
  const kafkaDir = kafkaPort && kafkaPort === prev?.kafka.port && controllerPort ? prev.kafka.dir : undefined;
  const pgDir = pgPort && pgPort === prev?.postgres.port ? prev.postgres.dir : undefined;

  const infra = await startInfra({
    detach: true,
    kafka: { port: kafkaPort, controllerPort: kafkaDir ? controllerPort : undefined, dir: kafkaDir },
    postgres: { port: pgPort, dir: pgDir },
  });
  writeInfraState({
    running: true,
    startedAt: new Date().toISOString(),
    brokers: infra.kafka.brokers,
    databaseUrl: infra.postgres.url,
    kafka: { external: infra.kafka.external, dir: infra.kafka.dir, port: infra.kafka.port, controllerPort: infra.kafka.controllerPort },
    postgres: { external: infra.postgres.external, dir: infra.postgres.dir, port: infra.postgres.port },
  });
  log(`up in ${seconds(t0)}; state in ${infraStateFile()}; stop with \`npm run infra:down\``);
  printEnv(infra.kafka.brokers, infra.postgres.url);
  return 0;
}

async function reusable(port: number | undefined): Promise<number | undefined> {
  return port && (await isPortFree(port)) ? port : undefined;
}

function printEnv(brokers: string[], url: string): void {
  process.stdout.write(`export KAFKA_BROKERS=${brokers.join(',')}\nexport DATABASE_URL=${url}\n`);
}

async function stopFromState(state: InfraState, quiet = false): Promise<void> {
  const quietLog = quiet ? false : undefined;
  await Promise.all([
    !state.kafka.external && state.kafka.dir ? attachKafka(state.kafka.dir, { log: quietLog }).stop() : undefined,
    !state.postgres.external && state.postgres.dir ? attachPostgres(state.postgres.dir, { log: quietLog }).stop() : undefined,
  ]);
}

async function down(): Promise<number> {
  const state = readInfraState();
  if (!state) {
    log('nothing to stop (no `up` state found)');
    return 0;
  }
  const wasRunning =
    (state.kafka.dir !== undefined && kafkaPid(state.kafka.dir) !== null) || (state.postgres.dir !== undefined && postgresPid(state.postgres.dir) !== null);
  if (wasRunning) await stopFromState(state);
  else log('nothing running');
  writeInfraState({ ...state, running: false, stoppedAt: new Date().toISOString() });
  return 0;
}

async function status(): Promise<number> {
  const state = readInfraState();
  if (!state) {
    log('not up (no state file)');
    return 1;
  }
  const kafkaRunning = state.kafka.external || (state.kafka.dir !== undefined && kafkaPid(state.kafka.dir) !== null);
  let kafkaAnswer = 'not running';
  if (kafkaRunning) {
    kafkaAnswer = await waitForKafka(state.brokers, { timeoutMs: 3000 }).then(
      () => 'ready',
      () => 'not answering',
    );
  }
  const pgRunning = state.postgres.external || (state.postgres.dir !== undefined && postgresPid(state.postgres.dir) !== null);
  let pgAnswer = 'not running';
  if (pgRunning) {
    pgAnswer = await waitForPostgres(state.databaseUrl, { timeoutMs: 3000 }).then(
      () => 'ready',
      () => 'not answering',
    );
  }
  const ok = kafkaAnswer === 'ready' && pgAnswer === 'ready';
  log(`kafka    ${state.brokers.join(',')}  ${kafkaAnswer}${state.kafka.dir ? `  (${state.kafka.dir})` : ' (external)'}`);
  log(`postgres ${redactUrl(state.databaseUrl)}  ${pgAnswer}${state.postgres.dir ? `  (${state.postgres.dir})` : ' (external)'}`);
  if (ok) printEnv(state.brokers, state.databaseUrl);
  return ok ? 0 : 1;
}

// ---------------------------------------------------------------------------

async function withInfra(command: string[]): Promise<number> {
  if (command.length === 0) throw new InfraError('with-infra: no command given (usage: with-infra -- <command...>)');
  const t0 = Date.now();
  let infra: Infra | undefined;
  let child: ReturnType<typeof spawn> | undefined;
  let caught: NodeJS.Signals | undefined;
  let stopping: Promise<void> | undefined;
  const stopInfra = () => (stopping ??= infra ? infra.stop() : Promise.resolve());

  const onSignal = (sig: NodeJS.Signals) => {
    if (caught) {
      // Second signal: give up waiting; the watchdogs stop Kafka/Postgres once we are gone.
      log(`${sig} again: exiting now`);
      if (child && child.exitCode === null) child.kill('SIGKILL');
      process.exit(128 + (osConstants.signals[sig] ?? 1));
    }
    caught = sig;
    if (child && child.exitCode === null && child.signalCode === null) {
      log(`${sig}: waiting for the command to exit, then stopping infra`);
      const c = child;
      // A terminal Ctrl-C already reached the child (same process group): only forward if it lingers.
      if (sig === 'SIGINT') setTimeout(() => c.exitCode === null && c.signalCode === null && c.kill('SIGINT'), 2000).unref();
      else c.kill(sig);
    } else {
      log(`${sig}: stopping infra`);
    }
  };
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);

  infra = await startInfra({ ephemeral: true });
  if (caught) {
    await stopInfra();
    return 128 + (osConstants.signals[caught] ?? 1);
  }
  log(`infra ready in ${seconds(t0)}: KAFKA_BROKERS=${infra.env.KAFKA_BROKERS} DATABASE_URL=${redactUrl(infra.env.DATABASE_URL ?? '')}`);

  const env: NodeJS.ProcessEnv = { ...process.env, ...infra.env };
  if (infra.kafka.external) delete env.RCP_KAFKA_DIR;
  if (infra.postgres.external) delete env.RCP_POSTGRES_DIR;
  const bin = join(repoRoot, 'node_modules', '.bin');
  if (existsSync(bin)) env.PATH = `${bin}${delimiter}${env.PATH ?? ''}`;

  const [cmd, ...args] = command as [string, ...string[]];
  const code = await new Promise<number>((resolve) => {
    child = spawn(cmd, args, { stdio: 'inherit', env });
    child.on('error', (err: NodeJS.ErrnoException) => {
      log(err.code === 'ENOENT' ? `error: command not found: ${cmd}` : `error: could not run ${cmd}: ${err.message}`);
      resolve(127);
    });
    child.on('exit', (c, sig) => resolve(c ?? 128 + (sig ? (osConstants.signals[sig] ?? 1) : 1)));
  });
  await stopInfra();
  return code;
}

async function provision(): Promise<number> {
  const t0 = Date.now();
  await checkJava();
  const lib = await provisionKafka();
  log(`kafka jars ready in ${lib} (${seconds(t0)})`);
  return 0;
}

// ---------------------------------------------------------------------------

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'up':
      return up();
    case 'down':
      return down();
    case 'status':
      return status();
    case 'provision':
      return provision();
    case 'with-infra': {
      const sep = rest.indexOf('--');
      return withInfra(sep >= 0 ? rest.slice(sep + 1) : rest);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE + '\n');
      return cmd === undefined ? 2 : 0;
    default:
      process.stderr.write(`[infra] unknown command: ${cmd}\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof InfraError) process.stderr.write(`[infra] error: ${err.message}\n`);
    else process.stderr.write(`[infra] unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
