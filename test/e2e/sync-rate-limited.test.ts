/**
 * Issue 19, finding 2, with a real `sei-sync sync` process: 429s without Retry-After (as Harness's edge
 * sends them) pace the requests instead of pausing all of them. Before, each 429 paused every request
 * of the key for 2 s, doubling per 429 up to 2 minutes, silently; now the sync ends exact, says once that
 * it is pacing, and pauses nothing. Judged on what was logged and requested, not on the clock.
 */
import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/secret.js';
import { type SimulatorHandleWithExtras, startSimulator } from '../../src/simulator/index.js';
import { openWarehouse } from '../../src/state/open.js';
import { spawnCli, UNPACED_REQUESTS_PER_MINUTE } from '../support/cli-process.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';

const TIMEOUT_MS = 180_000;

describe('sei-sync sync through 429s without Retry-After (real process)', () => {
  let simulator: SimulatorHandleWithExtras;
  let database: TestDatabase;

  beforeAll(async () => {
    simulator = await startSimulator({ records: 300, seed: 1919, faults: { rateLimited: 0.08 } });
    database = await createTestDatabase('sei_test', { migrated: true });
  });
  afterAll(async () => {
    await simulator?.close();
    await database?.drop();
  });

  it(
    'ends exact, logs the pacing once per episode and never pauses every request',
    async () => {
      const cli = spawnCli(['sync', '--json', '--streams', 'jira_issues,scm_pull_requests'], {
        DATABASE_URL: database.url,
        SEI_BASE_URL: simulator.url,
        SEI_API_KEY: simulator.adminKey,
        SEI_PAGE_SIZE: '10',
        // The 429s pace whatever rate is configured; at the default 600 a minute the walk took 15 s.
        SEI_REQUESTS_PER_MINUTE: UNPACED_REQUESTS_PER_MINUTE,
        LOG_LEVEL: 'info',
      });
      await cli.exited;
      expect(cli.exit?.code, cli.output()).toBe(0);

      const rateLimited = simulator.requestLog.filter((entry) => entry.status === 429).length;
      expect(rateLimited, 'the simulator answered some 429s').toBeGreaterThan(2);

      const messages = cli.logs.map((line) => line.msg);
      const pacing = messages.filter((msg) => /pacing requests at/.test(msg));
      const paused = messages.filter((msg) => /every request of this key waits/.test(msg));
      // Said when it starts (once per episode, fewer than the 429s), never a fleet-wide pause.
      expect(pacing.length, cli.output()).toBeGreaterThan(0);
      expect(pacing.length).toBeLessThan(rateLimited);
      expect(paused).toEqual([]);

      const warehouse = await openWarehouse({ databaseUrl: new Secret(database.url) });
      try {
        const count = async (sql: string) =>
          Number((await warehouse.db.executeQuery<{ n: string }>(CompiledQuery.raw(sql))).rows[0]!.n);
        expect(await count('SELECT count(*) AS n FROM sei.jira_issues WHERE deleted_at IS NULL')).toBe(
          simulator.dataset.count('jira_issues'),
        );
        expect(await count('SELECT count(*) AS n FROM sei.scm_pull_requests WHERE deleted_at IS NULL')).toBe(
          simulator.dataset.count('scm_pull_requests'),
        );
      } finally {
        await warehouse.close();
      }
    },
    TIMEOUT_MS,
  );
});
