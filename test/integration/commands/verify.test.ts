/**
 * `sei-sync verify` as a user runs it: the real CLI as a child process against the simulator and a
 * PostgreSQL test database. Its cost first (`--plan`), a clean verify (exit 0, every request counted),
 * damage named by bucket and key (exit 1, and `status` shows it), and a heal.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  StatusDocument,
  VerifyDocument,
  VerifyPlanDocument,
} from '../../../src/commands/json-output.js';
import { type SimulatorHandleWithExtras, startSimulator } from '../../../src/simulator/index.js';
import { runCliJson } from '../../support/cli-json.js';
import { spawnCli } from '../../support/cli-process.js';
import { createTestDatabase, type TestDatabase, testQueuePrefix } from '../../support/services.js';

const COMMAND_TIMEOUT_MS = 120_000;
const STREAMS = 'scm_pull_requests,org_units';

describe('sei-sync verify', () => {
  let simulator: SimulatorHandleWithExtras;
  let database: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    simulator = await startSimulator({ records: 150, seed: 61 });
    database = await createTestDatabase('sei_test', { migrated: true });
    env = {
      DATABASE_URL: database.url,
      SEI_BASE_URL: simulator.url,
      SEI_API_KEY: simulator.adminKey,
      SEI_PAGE_SIZE: '50',
      // A verify is one request per month: at the default budget (600/min) this test would wait on it.
      SEI_REQUESTS_PER_MINUTE: '5000',
      BULLMQ_PREFIX: testQueuePrefix(),
      LOG_LEVEL: 'info',
    };
    expect((await spawnCli(['sync', '--streams', STREAMS], env).exited).code).toBe(0);
  }, COMMAND_TIMEOUT_MS);
  afterAll(async () => {
    await simulator?.close();
    await database?.drop();
  });

  it(
    'states its cost, verifies clean with the requests it made, names damage, heals it; status follows',
    async () => {
      const plan = await runCliJson<VerifyPlanDocument>(['verify', '--plan', '--streams', STREAMS], env);
      expect(plan.document).toMatchObject({ command: 'verify', mode: 'plan', ok: true });
      const planned = plan.document.streams.find((s) => s.stream === 'scm_pull_requests')!;
      expect(planned).toMatchObject({ method: 'total_count', records: 150 });

      simulator.clearRequestLog();
      const clean = await runCliJson<VerifyDocument>(['verify', '--streams', STREAMS], env);
      expect(clean.code, clean.output).toBe(0);
      expect(clean.document.mode).toBe('verify');
      expect(clean.document.total.differing).toBe(0);
      expect(clean.document.total.requests).toBe(simulator.requestLog.length);
      const prs = clean.document.streams.find((s) => s.stream === 'scm_pull_requests')!;
      // The plan's estimate is what the verify made (no bucket was crowded, none differed).
      expect(prs.requests).toBe(planned.requests);
      expect(prs).toMatchObject({ status: 'clean', field: 'pr_updated_at', method: 'total_count' });

      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        await client.query(
          'DELETE FROM sei.scm_pull_requests WHERE id IN (SELECT id FROM sei.scm_pull_requests ORDER BY id LIMIT 2)',
        );
      } finally {
        await client.end();
      }
      const found = await runCliJson<VerifyDocument>(['verify', '--streams', STREAMS], env);
      expect(found.code).toBe(1);
      const damaged = found.document.streams.find((s) => s.stream === 'scm_pull_requests')!;
      expect(damaged.status).toBe('differs');
      const missing = damaged.buckets.flatMap((b) => b.sample?.missing ?? []);
      expect(missing).toHaveLength(2);
      const status = await runCliJson<StatusDocument>(['status'], env);
      expect(status.document.streams.find((s) => s.stream === 'scm_pull_requests')?.lastVerify).toMatchObject(
        { status: 'differs', runId: found.document.runId, differing: damaged.counts.differing },
      );

      const heal = spawnCli(['verify', '--heal', '--streams', STREAMS], env);
      expect((await heal.exited).code, heal.output()).toBe(0);
      expect(heal.stdout()).toMatch(
        /scm_pull_requests: heal re-walked \d+ bucket\(s\) in 1 round\(s\): \d+ records read, 2 inserted/,
      );
      expect(heal.stdout()).toMatch(/\b2 healed\b/);
      // No terminal here: a plain progress line per stream on stderr, as each is verified.
      for (const stream of STREAMS.split(','))
        expect(heal.output()).toMatch(new RegExp(`^\\[progress\\] ${stream}: clean$`, 'm'));

      for (const run of [plan, clean, found, status]) expect(run.output).not.toContain(simulator.adminKey);
      expect(heal.output()).not.toContain(simulator.adminKey);
    },
    COMMAND_TIMEOUT_MS,
  );
});
