/**
 * `sei-sync renormalize` as users run it: the real CLI, SIGKILLed in the middle of a pass (held on a
 * row lock so the kill lands between batches), then run again: it resumes after the last committed
 * batch, finishes the job, and never calls SEI.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RenormalizeDocument, StatusDocument } from '../../../src/commands/json-output.js';
import { runSync } from '../../../src/sync/run-sync.js';
import { runCliJson } from '../../support/cli-json.js';
import { spawnCli } from '../../support/cli-process.js';
import { testQueuePrefix } from '../../support/services.js';
import { type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';

const COMMAND_TIMEOUT_MS = 120_000;

async function waitFor(what: () => string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('sei-sync renormalize (CLI)', () => {
  let harness: SyncHarness;
  let url: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    harness = await startSyncHarness({ simulator: { records: 120, seed: 61 } });
    await runSync(harness.engine, { streams: ['jira_issues'], fullRefresh: false, trigger: 'cli' });
    url = harness.database!.url;
    // The simulator's URL but no key: renormalize needs neither, and must not call it.
    env = {
      DATABASE_URL: url,
      SEI_BASE_URL: harness.simulator.url,
      LOG_LEVEL: 'warn',
      BULLMQ_PREFIX: testQueuePrefix(),
    };
  });
  afterAll(async () => {
    await harness?.close();
  });

  it(
    'resumes after a SIGKILL at the last committed batch and re-derives every row, with no API call',
    async () => {
      const admin = new pg.Client({ connectionString: url });
      const blocker = new pg.Client({ connectionString: url });
      await admin.connect();
      await blocker.connect();
      try {
        // A normalizer "fix" the stored rows have not seen yet: every summary is missing.
        await admin.query(`UPDATE sei.jira_issues SET summary = NULL`);
        const total = Number((await admin.query('SELECT count(*) AS n FROM sei.jira_issues')).rows[0].n);
        harness.simulator.clearRequestLog();

        // Hold the 26th row: batches of 10 commit twice, then the third waits on this lock. (Looked up
        // first: FOR UPDATE with OFFSET would also lock the rows it skips.)
        const held = (
          await admin.query(
            `SELECT integration_id, issue_key FROM sei.jira_issues ORDER BY integration_id, issue_key OFFSET 25 LIMIT 1`,
          )
        ).rows[0];
        await blocker.query('BEGIN');
        await blocker.query(
          'SELECT 1 FROM sei.jira_issues WHERE integration_id = $1 AND issue_key = $2 FOR UPDATE',
          [held.integration_id, held.issue_key],
        );
        const first = spawnCli(['renormalize', '--streams', 'jira_issues', '--batch-size', '10'], env);
        try {
          const what = () => `two committed batches and a third waiting on the lock:\n${first.output()}`;
          await waitFor(what, async () => {
            const done = await admin.query(
              `SELECT rows_done FROM sei_sync.renormalize_checkpoints WHERE stream = 'jira_issues'`,
            );
            const waiting = await admin.query(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
            );
            return Number(done.rows[0]?.rows_done) === 20 && waiting.rows[0].n > 0;
          });
          first.signal('SIGKILL');
          await first.exited;
        } finally {
          await first.kill();
          await blocker.query('ROLLBACK');
        }
        expect(
          Number(
            (await admin.query('SELECT count(*) AS n FROM sei.jira_issues WHERE summary IS NULL')).rows[0].n,
          ),
        ).toBe(total - 20);
        // status shows where the interrupted pass resumes; its freshness is still the sync's.
        const status = await runCliJson<StatusDocument>(['status'], env);
        const jira = status.document.streams.find((stream) => stream.stream === 'jira_issues')!;
        expect(jira.renormalizeResumesAfter).toHaveLength(2);
        expect(jira.lastRun?.status).toBe('succeeded');

        const second = await runCliJson<RenormalizeDocument>(
          ['renormalize', '--streams', 'jira_issues', '--batch-size', '10'],
          env,
        );
        expect(second.code, second.output).toBe(0);
        expect(second.document.command).toBe('renormalize');
        expect(second.document.streams[0]).toMatchObject({
          stream: 'jira_issues',
          status: 'succeeded',
          counts: { records: total - 20, updated: total - 20, unchanged: 0, rejected: 0, requests: 0 },
        });
        const left = await admin.query(
          `SELECT count(*) FILTER (WHERE summary IS NULL AND raw ? 'summary')::int AS missing,
             (SELECT count(*)::int FROM sei_sync.renormalize_checkpoints) AS checkpoints,
             (SELECT count(*)::int FROM sei_sync.runs WHERE trigger = 'renormalize') AS runs
           FROM sei.jira_issues`,
        );
        expect(left.rows[0]).toEqual({ missing: 0, checkpoints: 0, runs: 2 });
        expect(harness.simulator.requestLog).toEqual([]);
      } finally {
        await blocker.end().catch(() => {});
        await admin.end();
      }
    },
    COMMAND_TIMEOUT_MS,
  );
});
