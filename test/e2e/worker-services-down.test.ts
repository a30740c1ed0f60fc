/**
 * The real `sei-sync worker` process when its services are not there: its Redis killed (a private
 * redis-server), an unmigrated database, and `schedule` without Redis. Each ends in bounded time by
 * itself (exit code, one line), never by a second signal. The tests mostly wait (for reconnect rounds,
 * for a shutdown bound), so they run at once, each on a database of its own.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { waitFor } from '../integration/jobs/memory-engine.js';
import { type CliProcess, spawnCli } from '../support/cli-process.js';
import { closedPort } from '../support/closed-port.js';
import { type PrivateRedis, redisServerAvailable, startPrivateRedis } from '../support/private-redis.js';
import { createTestDatabase, type TestDatabase, testQueuePrefix } from '../support/services.js';

const hasRedisServer = redisServerAvailable();
if (!hasRedisServer)
  console.warn('[worker-services-down e2e] SKIPPED: no redis-server binary on PATH to run a private Redis');

/** With Redis down the graceful close never ends: any bound shows the forced path that follows it. */
const SHUTDOWN_TIMEOUT_MS = 1_000;
const TEST_TIMEOUT_MS = 120_000;
/** Node starting the CLI up on a loaded machine. */
const STARTUP_TIMEOUT_MS = 30_000;

function workerEnv(database: TestDatabase, redisUrl: string): Record<string, string> {
  return {
    REDIS_URL: redisUrl,
    BULLMQ_PREFIX: testQueuePrefix(),
    DATABASE_URL: database.url,
    // Never reached: no job runs in these tests.
    SEI_BASE_URL: 'http://127.0.0.1:9/sei/api',
    SEI_API_KEY: 'sei-services-down-key',
    WORKER_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    OPS_HOST: '127.0.0.1',
    OPS_PORT: '0',
    LOG_LEVEL: 'info',
  };
}

/** The ops server's address, from the `worker started` log line. */
function opsUrl(worker: CliProcess): string | undefined {
  const started = worker.logs.find((line) => line.msg === 'worker started');
  return typeof started?.ops === 'string' ? started.ops : undefined;
}

describe.concurrent('the worker when its services are not there', () => {
  let database: TestDatabase;
  const processes: CliProcess[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    for (const process of processes) await process.kill();
    await database?.drop();
  });

  it(
    'on an unmigrated database it exits non-zero at once, saying to run `sei-sync migrate`',
    async ({ expect }) => {
      const worker = spawnCli(['worker'], workerEnv(database, `redis://127.0.0.1:${await closedPort()}`));
      processes.push(worker);
      const { code } = await worker.exited;
      expect(code, worker.output()).not.toBe(0);
      const last = worker.output().trimEnd().split('\n').at(-1);
      expect(last).toMatch(/^sei-sync: .*run `sei-sync migrate`/);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    '`schedule` and `run-now` without Redis: one line naming Redis and its address, exit 1',
    async ({ expect }) => {
      const port = await closedPort();
      const clis = [['schedule'], ['run-now']].map((command) =>
        spawnCli(command, workerEnv(database, `redis://:hunter2@127.0.0.1:${port}`)),
      );
      processes.push(...clis);
      for (const cli of clis) {
        const { code } = await cli.exited;
        expect(code, cli.output()).toBe(1);
        const lines = cli.output().trimEnd().split('\n');
        expect(lines, cli.output()).toHaveLength(1);
        expect(lines[0]).toMatch(new RegExp(`^sei-sync: .*Redis at 127\\.0\\.0\\.1:${port}.*REDIS_URL`));
        expect(cli.output()).not.toContain('hunter2');
      }
    },
    TEST_TIMEOUT_MS,
  );

  describe.skipIf(!hasRedisServer)('with its Redis killed', () => {
    let redis: PrivateRedis;
    /** Migrated, unlike the file's database, which the first test needs unmigrated. */
    let migrated: TestDatabase;
    // biome-ignore lint/suspicious/noDuplicateTestHooks: the hooks of the nested describe.skipIf block
    beforeAll(async () => {
      migrated = await createTestDatabase('sei_test', { migrated: true });
      redis = await startPrivateRedis();
    }, TEST_TIMEOUT_MS);
    // biome-ignore lint/suspicious/noDuplicateTestHooks: the hooks of the nested describe.skipIf block
    afterAll(async () => {
      await redis?.stop();
      await migrated?.drop();
    });

    it(
      '/readyz answers 503 naming redis, the outage is logged once, and one SIGTERM stops it within its bound',
      async ({ expect }) => {
        const worker = spawnCli(['worker'], workerEnv(migrated, redis.url));
        processes.push(worker);
        await waitFor(() => opsUrl(worker) !== undefined || worker.exit !== undefined, STARTUP_TIMEOUT_MS);
        const ops = opsUrl(worker);
        expect(ops, worker.output()).toBeDefined();
        expect((await fetch(`${ops}/readyz`)).status).toBe(200);

        await redis.kill();
        // At once 503, whether the worker has noticed yet (then naming Redis's address) or its PING times out.
        expect((await fetch(`${ops}/readyz`)).status).toBe(503);
        await waitFor(
          () => worker.logs.some((line) => line.service === 'Redis' && line.state === 'down'),
          STARTUP_TIMEOUT_MS,
        );
        const ready = await fetch(`${ops}/readyz`);
        expect(ready.status).toBe(503);
        expect(await ready.json()).toMatchObject({ redis: expect.stringContaining('127.0.0.1') });
        // Long enough for many reconnect rounds (ioredis: every 100 ms and more; BullMQ: every 5 s).
        await new Promise((resolve) => setTimeout(resolve, 6_000));
        const down = worker.logs.filter((line) => line.service === 'Redis' && line.state === 'down');
        expect(down, worker.output()).toHaveLength(1);
        expect(worker.output()).not.toMatch(/\n\s+at /);

        worker.signal('SIGTERM');
        await waitFor(() => worker.exit !== undefined, SHUTDOWN_TIMEOUT_MS + STARTUP_TIMEOUT_MS);
        const exit = await worker.exited;
        expect(exit, worker.output()).toEqual({ code: 0, signal: null });
        expect(
          worker.logs.some((line) => line.msg === 'worker stopped'),
          worker.output(),
        ).toBe(true);
        expect(worker.output()).not.toContain('MaxListenersExceededWarning');
        expect(worker.output()).not.toContain('sei-services-down-key');
      },
      TEST_TIMEOUT_MS,
    );
  });
});
