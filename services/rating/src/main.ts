import { runService } from '@rcp/runtime';
import { loadRatingConfig } from './config.js';
import { createRatingService } from './service.js';

await runService('rating', loadRatingConfig, createRatingService);
