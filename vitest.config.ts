import { defineConfig } from 'vitest/config';

const TIMEOUTS = { testTimeout: 60_000, hookTimeout: 120_000, teardownTimeout: 30_000 };

export default defineConfig({
  test: {
    // Integration files each create their own database and BullMQ prefix, so files may run in parallel;
    // two workers fit a 2-core machine without starving the services they talk to.
    maxWorkers: 2,
    projects: [
      {
        // Pure functions and small classes: nothing to isolate them from, so one worker process runs
        // file after file with the modules it loaded (a fresh process per file cost ~0.4 s a file).
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], isolate: false, ...TIMEOUTS },
      },
      {
        test: {
          name: 'services',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          ...TIMEOUTS,
        },
      },
    ],
  },
});
