import { runService } from '@rcp/runtime';
import { loadChargingConfig } from './config.js';
import { createChargingService } from './service.js';

await runService('charging', loadChargingConfig, createChargingService);
