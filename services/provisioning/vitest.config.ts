import { defineConfig } from 'vitest/config';

// The end-to-end file starts the whole platform (five processes): one file at a time on a 2-core machine.
export default defineConfig({ test: { testTimeout: 120_000, hookTimeout: 180_000, fileParallelism: false } });
