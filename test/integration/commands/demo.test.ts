/**
 * `sei-sync demo` as users run it: the real CLI as a child process, into a PostgreSQL test database
 * (DATABASE_URL). The embedded database's demo is in demo-embedded.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, UNPACED_REQUESTS_PER_MINUTE } from '../../support/cli-process.js';
import { createTestDatabase, queryRows, type TestDatabase } from '../../support/services.js';
import { ALL_SUCCEEDED, streamStatuses } from '../../support/summary-table.js';

const COMMAND_TIMEOUT_MS = 120_000;

describe('demo against a PostgreSQL server', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    database = await createTestDatabase();
    env = {
      DATABASE_URL: database.url,
      SEI_REQUESTS_PER_MINUTE: UNPACED_REQUESTS_PER_MINUTE,
      LOG_LEVEL: 'warn',
    };
  });
  afterAll(async () => {
    await database?.drop();
  });

  it(
    'demo syncs every stream into DATABASE_URL (all at once, on the default pool), then again with changes',
    async () => {
      const first = await runCli(['demo', '--records', '300'], env);
      expect(first.code, first.output).toBe(0);
      expect(streamStatuses(first.output)).toEqual(ALL_SUCCEEDED);
      expect(first.output).toContain('Pull-request cycle time by month');

      const second = await runCli(['demo', '--records', '300', '--changes', '2'], env);
      expect(second.code, second.output).toBe(0);
      expect(streamStatuses(second.output)).toEqual(ALL_SUCCEEDED);
      // 2% of 300 changed (6 updated) and half as many inserted: the history holds both versions.
      const versions = await queryRows<{ versions: number; current: number }>(
        database.url,
        `SELECT count(*)::int AS versions, count(*) FILTER (WHERE valid_to IS NULL)::int AS current
         FROM sei_history.jira_issues`,
      );
      expect(versions[0]).toEqual({ versions: 309, current: 303 });

      const status = await runCli(['status'], env);
      expect(status.code).toBe(0);
      expect(status.output).toMatch(/^jira_issues\s+succeeded\s/m);
    },
    COMMAND_TIMEOUT_MS,
  );
});
