/**
 * The user-facing commands as users run them: the real CLI as a child process, against a PostgreSQL
 * test database (and the embedded database for the demo), talking to a simulator over loopback.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimulatorHandleWithExtras, startSimulator } from '../../../src/simulator/index.js';
import { STREAM_NAMES } from '../../../src/streams/types.js';
import { spawnCli } from '../../support/cli-process.js';
import { createTestDatabase, type TestDatabase } from '../../support/services.js';

const COMMAND_TIMEOUT_MS = 120_000;

async function run(args: string[], env: Record<string, string>) {
  const cli = spawnCli(args, { LOG_LEVEL: 'warn', ...env });
  const exit = await cli.exited;
  return { code: exit.code, output: cli.output() };
}

async function query<T>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

/** The summary table's status column, per stream. */
function statuses(output: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const stream of STREAM_NAMES) {
    const match = new RegExp(`^${stream}\\s+(\\S+)`, 'm').exec(output);
    if (match) found[stream] = match[1]!;
  }
  return found;
}

const allSucceeded = Object.fromEntries(STREAM_NAMES.map((stream) => [stream, 'succeeded']));

describe('commands against a PostgreSQL server', () => {
  let simulator: SimulatorHandleWithExtras;
  let database: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    simulator = await startSimulator({ records: 150, seed: 41 });
    database = await createTestDatabase();
    env = { DATABASE_URL: database.url, SEI_BASE_URL: simulator.url, SEI_API_KEY: simulator.adminKey };
  });
  afterAll(async () => {
    await simulator?.close();
    await database?.drop();
  });

  it(
    'before migrate, sync and status say in one line to run `sei-sync migrate`, and doctor flags it',
    async () => {
      for (const command of ['sync', 'status']) {
        const { code, output } = await run([command], env);
        expect(code).toBe(1);
        expect(output.trim()).toMatch(/^sei-sync: database is not migrated \(.*\); run `sei-sync migrate`$/);
      }
      const doctor = await run(['doctor'], env);
      expect(doctor.code).toBe(1);
      expect(doctor.output).toMatch(/✓ sei: .* accepted the key/);
      expect(doctor.output).toMatch(/✗ database: .* not migrated .*run `sei-sync migrate`/);
    },
    COMMAND_TIMEOUT_MS,
  );

  it(
    'migrate applies every migration once and is a no-op the second time',
    async () => {
      const first = await run(['migrate'], env);
      expect(first.code).toBe(0);
      expect(first.output).toContain('applied 001_sei_tables');
      const second = await run(['migrate'], env);
      expect(second.code).toBe(0);
      expect(second.output).toContain('schema is up to date');
    },
    COMMAND_TIMEOUT_MS,
  );

  it(
    'plan reads page 0 of every stream and writes nothing',
    async () => {
      const { code, output } = await run(['plan'], env);
      expect(code).toBe(0);
      expect(output).toMatch(/^jira_issues\s+incremental\s+150\s+1\s+1\s+2\s/m);
      for (const stream of STREAM_NAMES) expect(output).toMatch(new RegExp(`^${stream}\\s`, 'm'));
      const runs = await query<{ n: number }>(database.url, 'SELECT count(*)::int AS n FROM sei_sync.runs');
      expect(runs[0]!.n).toBe(0);
      expect(output).toContain('scope: all history, all integrations');

      // The effect of a backfill horizon and an integration selection, shown before any sync.
      const scoped = await run(
        ['plan', '--streams', 'jira_issues', '--since', '2024-10-01', '--integrations', '379'],
        env,
      );
      expect(scoped.code, scoped.output).toBe(0);
      expect(scoped.output).toContain('scope: from 2024-10-01T00:00:00.000Z, integrations 379');
      const records = Number(/^jira_issues\s+incremental\s+(\d+)\s/m.exec(scoped.output)?.[1]);
      expect(records).toBeGreaterThan(0);
      expect(records).toBeLessThan(150);
      const future = await run(['plan', '--since', '2999-01-01'], env);
      expect(future.code).toBe(1);
      expect(future.output.trim()).toMatch(/^sei-sync: --since: 2999-01-01T00:00:00.000Z is in the future/);
    },
    COMMAND_TIMEOUT_MS,
  );

  it(
    'demo syncs every stream into DATABASE_URL (all at once, on the default pool), then again with changes',
    async () => {
      const first = await run(['demo', '--records', '300'], { DATABASE_URL: database.url });
      expect(first.code, first.output).toBe(0);
      expect(statuses(first.output)).toEqual(allSucceeded);
      expect(first.output).toContain('Pull-request cycle time by month');

      const second = await run(['demo', '--records', '300', '--changes', '2'], {
        DATABASE_URL: database.url,
      });
      expect(second.code, second.output).toBe(0);
      expect(statuses(second.output)).toEqual(allSucceeded);
      // 2% of 300 changed (6 updated) and half as many inserted: the history holds both versions.
      const versions = await query<{ versions: number; current: number }>(
        database.url,
        `SELECT count(*)::int AS versions, count(*) FILTER (WHERE valid_to IS NULL)::int AS current
         FROM sei_history.jira_issues`,
      );
      expect(versions[0]).toEqual({ versions: 309, current: 303 });

      const status = await run(['status'], env);
      expect(status.code).toBe(0);
      expect(status.output).toMatch(/^jira_issues\s+succeeded\s/m);
    },
    COMMAND_TIMEOUT_MS,
  );
});

describe('demo on the embedded database', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'sei-sync-demo-'));
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'needs no DATABASE_URL: every stream lands in PGlite under SEI_SYNC_DATA_DIR',
    async () => {
      const { code, output } = await run(['demo', '--records', '100'], { SEI_SYNC_DATA_DIR: dataDir });
      expect(code, output).toBe(0);
      expect(output).toContain(`embedded PostgreSQL in ${join(dataDir, 'pgdata')}`);
      expect(statuses(output)).toEqual(allSucceeded);
    },
    COMMAND_TIMEOUT_MS,
  );

  it(
    'again with --changes 2, shows the history rows of changed records, as the README promises',
    async () => {
      const { code, output } = await run(['demo', '--records', '100', '--changes', '2'], {
        SEI_SYNC_DATA_DIR: dataDir,
      });
      expect(code, output).toBe(0);
      const history = output.slice(output.indexOf('History of changed Jira issues'));
      expect(history, output).toMatch(/^History of changed Jira issues/);
      // A closed version (valid_to set) and the version after it, of one issue.
      expect(history).toMatch(/\n378 +(\S+) +\S+Z +\S+Z +false .*\n378 +\1 +\S+Z +(true|false)/);
    },
    COMMAND_TIMEOUT_MS,
  );
});
