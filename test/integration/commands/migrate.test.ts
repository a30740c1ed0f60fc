/**
 * `sei-sync migrate` as users run it (the real CLI as a child process, against a PostgreSQL test
 * database, talking to a simulator over loopback), and what the other commands say before it ran.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimulatorHandleWithExtras, startSimulator } from '../../../src/simulator/index.js';
import { runCli, simulatorCliEnv } from '../../support/cli-process.js';
import { createTestDatabase, type TestDatabase } from '../../support/services.js';

const COMMAND_TIMEOUT_MS = 120_000;

describe('migrate against a PostgreSQL server', () => {
  let simulator: SimulatorHandleWithExtras;
  let database: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    simulator = await startSimulator({ records: 150, seed: 41 });
    database = await createTestDatabase();
    env = simulatorCliEnv(simulator, database.url);
  });
  afterAll(async () => {
    await simulator?.close();
    await database?.drop();
  });

  it(
    'before migrate, sync and status say in one line to run `sei-sync migrate`, and doctor flags it',
    async () => {
      for (const command of ['sync', 'status']) {
        const { code, output } = await runCli([command], env);
        expect(code).toBe(1);
        expect(output.trim()).toMatch(/^sei-sync: database is not migrated \(.*\); run `sei-sync migrate`$/);
      }
      const doctor = await runCli(['doctor'], env);
      expect(doctor.code).toBe(1);
      expect(doctor.output).toMatch(/✓ sei: .* accepted the key/);
      expect(doctor.output).toMatch(/✗ database: .* not migrated .*run `sei-sync migrate`/);
    },
    COMMAND_TIMEOUT_MS,
  );

  it(
    'migrate applies every migration once and is a no-op the second time',
    async () => {
      const first = await runCli(['migrate'], env);
      expect(first.code).toBe(0);
      expect(first.output).toContain('applied 001_sei_tables');
      const second = await runCli(['migrate'], env);
      expect(second.code).toBe(0);
      expect(second.output).toContain('schema is up to date');
    },
    COMMAND_TIMEOUT_MS,
  );

  it(
    'a database migrated by a newer sei-sync is refused in one line, and nothing is written',
    async () => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        await client.query(
          `INSERT INTO sei_sync.kysely_migration (name, timestamp) VALUES ('999_from_the_future', now()::text)`,
        );
        const { code, output } = await runCli(['sync'], env);
        expect(code).toBe(1);
        expect(output.trim()).toMatch(
          /^sei-sync: database in .* was migrated by a newer sei-sync \(999_from_the_future\); run that version here and stop older workers$/,
        );
        const runs = await client.query('SELECT count(*)::int AS n FROM sei_sync.runs');
        expect(runs.rows[0].n).toBe(0);
      } finally {
        await client.query(`DELETE FROM sei_sync.kysely_migration WHERE name = '999_from_the_future'`);
        await client.end();
      }
    },
    COMMAND_TIMEOUT_MS,
  );
});
