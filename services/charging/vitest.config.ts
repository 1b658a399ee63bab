import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Integration files start a charging instance each; two at once is what a 2-core machine carries well.
    maxWorkers: 2,
  },
});
