import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // End-to-end files start four service processes each: one file at a time on a 2-core machine.
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 240_000,
  },
});
