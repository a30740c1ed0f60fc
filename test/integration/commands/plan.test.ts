/**
 * `sei-sync plan` as users run it: the real CLI as a child process, against a migrated PostgreSQL test
 * database, talking to a simulator over loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimulatorHandleWithExtras, startSimulator } from '../../../src/simulator/index.js';
import { STREAM_NAMES } from '../../../src/streams/types.js';
import { runCli, simulatorCliEnv } from '../../support/cli-process.js';
import { createTestDatabase, queryRows, type TestDatabase } from '../../support/services.js';

const COMMAND_TIMEOUT_MS = 120_000;

describe('plan against a PostgreSQL server', () => {
  let simulator: SimulatorHandleWithExtras;
  let database: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    simulator = await startSimulator({ records: 150, seed: 41 });
    database = await createTestDatabase('sei_test', { migrated: true });
    env = simulatorCliEnv(simulator, database.url);
  });
  afterAll(async () => {
    await simulator?.close();
    await database?.drop();
  });

  it(
    'plan reads page 0 of every stream and writes nothing',
    async () => {
      const { code, output } = await runCli(['plan'], env);
      expect(code).toBe(0);
      expect(output).toMatch(/^jira_issues\s+incremental\s+150\s+1\s+1\s+2\s/m);
      for (const stream of STREAM_NAMES) expect(output).toMatch(new RegExp(`^${stream}\\s`, 'm'));
      const runs = await queryRows<{ n: number }>(
        database.url,
        'SELECT count(*)::int AS n FROM sei_sync.runs',
      );
      expect(runs[0]!.n).toBe(0);
      expect(output).toContain('scope: all history, all integrations');

      // The effect of a backfill horizon and an integration selection, shown before any sync.
      const scoped = await runCli(
        ['plan', '--streams', 'jira_issues', '--since', '2024-10-01', '--integrations', '379'],
        env,
      );
      expect(scoped.code, scoped.output).toBe(0);
      expect(scoped.output).toContain('scope: from 2024-10-01T00:00:00.000Z, integrations 379');
      const records = Number(/^jira_issues\s+incremental\s+(\d+)\s/m.exec(scoped.output)?.[1]);
      expect(records).toBeGreaterThan(0);
      expect(records).toBeLessThan(150);
      const future = await runCli(['plan', '--since', '2999-01-01'], env);
      expect(future.code).toBe(1);
      expect(future.output.trim()).toMatch(/^sei-sync: --since: 2999-01-01T00:00:00.000Z is in the future/);
    },
    COMMAND_TIMEOUT_MS,
  );
});
