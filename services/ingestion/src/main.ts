import { runService } from '@rcp/runtime';
import { loadIngestionConfig } from './config.js';
import { createIngestionService } from './service.js';

await runService('ingestion', loadIngestionConfig, createIngestionService);
