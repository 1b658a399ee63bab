import { runService } from '@rcp/runtime';
import { loadProvisioningConfig } from './config.js';
import { createProvisioningService } from './service.js';

await runService('provisioning', loadProvisioningConfig, createProvisioningService);
