import type { Logger } from 'pino';

export type Stoppable = { stop(): Promise<void> };

/**
 * SIGTERM/SIGINT: stop consuming, let in-flight work finish and commit, close connections, exit 0.
 * A second signal exits at once.
 */
export function stopOnSignals(service: Stoppable, logger: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down gracefully');
    service.stop().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
