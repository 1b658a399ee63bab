import { ConfigError, createLogger, stopOnSignals } from '@rcp/runtime';
import { loadIngestionConfig } from './config.js';
import { createIngestionService } from './service.js';

try {
  const config = loadIngestionConfig();
  const service = await createIngestionService(config);
  stopOnSignals(service, service.ctx.logger);
  await service.listen();
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  createLogger('ingestion').fatal({ err }, 'ingestion failed to start');
  process.exit(1);
}
