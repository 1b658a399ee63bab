import { ConfigError } from './config.js';
import { stopOnSignals } from './lifecycle.js';
import { createLogger, type Logger } from './logger.js';

/**
 * The body of every service's main.ts: parse the configuration (a wrong setting stops the process with a
 * clear message, exit code 2), start the service, listen, and stop gracefully on SIGTERM/SIGINT.
 */
export async function runService<C, S extends { stop(): Promise<void>; listen(): Promise<string>; ctx: { logger: Logger } }>(
  name: string,
  loadConfig: () => C,
  create: (config: C) => Promise<S>,
): Promise<void> {
  try {
    const service = await create(loadConfig());
    stopOnSignals(service, service.ctx.logger);
    await service.listen();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    createLogger(name).fatal({ err }, `${name} failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
