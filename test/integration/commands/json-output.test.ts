/**
 * `--json` as an orchestrator uses it: the real CLI as a child process, against a PostgreSQL test
 * database and a simulator on loopback; stdout parsed as the one document, logs left on stderr.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  DoctorDocument,
  ErrorDocument,
  PlanDocument,
  StatusDocument,
  SyncDocument,
} from '../../../src/commands/json-output.js';
import { type SimulatorHandleWithExtras, startSimulator } from '../../../src/simulator/index.js';
import { STREAM_NAMES } from '../../../src/streams/types.js';
import { runCliJson } from '../../support/cli-json.js';
import { spawnCli, UNPACED_REQUESTS_PER_MINUTE } from '../../support/cli-process.js';
import { createTestDatabase, type TestDatabase, testQueuePrefix } from '../../support/services.js';

const COMMAND_TIMEOUT_MS = 120_000;

describe('--json', () => {
  let simulator: SimulatorHandleWithExtras;
  let database: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    simulator = await startSimulator({ records: 120, seed: 43 });
    database = await createTestDatabase();
    env = {
      DATABASE_URL: database.url,
      SEI_BASE_URL: simulator.url,
      SEI_API_KEY: simulator.adminKey,
      BULLMQ_PREFIX: testQueuePrefix(),
      SEI_REQUESTS_PER_MINUTE: UNPACED_REQUESTS_PER_MINUTE,
      // Log lines at info go to stderr and must never reach stdout.
      LOG_LEVEL: 'info',
    };
  });
  afterAll(async () => {
    await simulator?.close();
    await database?.drop();
  });

  it(
    'a command that cannot start prints an error document with a stable code, exit code 1',
    async () => {
      const status = await runCliJson<ErrorDocument>(['status'], env);
      expect(status.code).toBe(1);
      expect(status.document).toMatchObject({
        command: 'status',
        ok: false,
        error: { code: 'SEI_SYNC_ERR_SCHEMA_MISSING' },
      });
      expect(status.document.error.message).toMatch(/run `sei-sync migrate`$/);
      const config = await runCliJson<ErrorDocument>(['sync'], { ...env, SEI_PAGE_SIZE: 'many' });
      expect(config.document).toMatchObject({ command: 'sync', error: { code: 'SEI_SYNC_ERR_CONFIG' } });
      const doctor = await runCliJson<DoctorDocument>(['doctor'], env);
      expect(doctor.code).toBe(1);
      expect(doctor.document.error).toBeNull();
      expect(doctor.document.checks.map((check) => [check.name, check.ok])).toEqual([
        ['config', true],
        ['sei', true],
        ['probe', true],
        ['database', false],
        ['redis', true],
      ]);
    },
    COMMAND_TIMEOUT_MS,
  );

  it(
    'plan, sync, status and doctor each print their document; the key appears nowhere',
    async () => {
      expect((await spawnCli(['migrate'], env).exited).code).toBe(0);

      const plan = await runCliJson<PlanDocument>(['plan', '--streams', 'jira_issues,org_users'], env);
      expect(plan.code).toBe(0);
      expect(plan.document.command).toBe('plan');
      expect(plan.document.streams.map((s) => s.stream)).toEqual(['jira_issues', 'org_users']);
      expect(plan.document.streams[0]).toMatchObject({ mode: 'incremental', records: 120, pages: 1 });
      expect(plan.document.total.requests).toBeGreaterThanOrEqual(1);

      const sync = await runCliJson<SyncDocument>(['sync'], env);
      expect(sync.code, sync.output).toBe(0);
      expect(sync.document.run).toMatchObject({ status: 'succeeded', fullRefresh: false });
      expect(sync.document.run.database).not.toContain('@');
      expect(sync.document.streams.map((s) => [s.stream, s.status])).toEqual(
        STREAM_NAMES.map((stream) => [stream, 'succeeded']),
      );
      const jira = sync.document.streams.find((s) => s.stream === 'jira_issues')!;
      // One issue is listed at `issue_updated_at: -1` (as in SEI's own data): stored, its instant noted.
      expect(jira.counts).toMatchObject({ records: 120, inserted: 120, rejected: 0, sanitized: 1 });
      // Logs went to stderr at info: the engine's lines are there, none of them on stdout.
      expect(sync.output).toContain('"msg":"stream synced"');

      const status = await runCliJson<StatusDocument>(['status'], env);
      expect(status.code).toBe(0);
      const jiraStatus = status.document.streams.find((s) => s.stream === 'jira_issues')!;
      expect(jiraStatus).toMatchObject({
        mode: 'incremental',
        lastRun: { runId: sync.document.run.id, status: 'succeeded', error: null },
        rows: { live: 120, deleted: 0 },
        walkInProgress: null,
        renormalizeResumesAfter: null,
      });
      expect(Date.parse(jiraStatus.lastSuccessAt!)).toBeGreaterThan(Date.parse(sync.document.run.startedAt));
      expect(status.document.queues).toMatchObject({ reachable: true, activeRuns: [], schedules: [] });

      const doctor = await runCliJson<DoctorDocument>(['doctor'], env);
      expect(doctor.code).toBe(0);
      expect(doctor.document.checks.every((check) => check.ok)).toBe(true);

      for (const run of [plan, sync, status, doctor]) expect(run.output).not.toContain(simulator.adminKey);
    },
    COMMAND_TIMEOUT_MS,
  );

  it(
    'a sync refused by SEI is still one document: every stream failed, the common reason, exit code 1',
    async () => {
      const wrongKey = 'sei-json-wrong-key-7d1f';
      const sync = await runCliJson<SyncDocument>(['sync', '--streams', 'integrations,org_units'], {
        ...env,
        SEI_API_KEY: wrongKey,
      });
      expect(sync.code).toBe(1);
      expect(sync.document.run.status).toBe('failed');
      expect(sync.document.error).toMatchObject({ code: 'SEI_ERR_AUTH' });
      expect(sync.document.streams.map((s) => [s.status, s.error?.code, s.error?.retryable])).toEqual([
        ['failed', 'SEI_ERR_AUTH', false],
        ['failed', 'SEI_ERR_AUTH', false],
      ]);
      expect(sync.output).not.toContain(wrongKey);
    },
    COMMAND_TIMEOUT_MS,
  );
});
