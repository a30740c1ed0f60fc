/**
 * Runs that end without finishing, with real processes: a `sync` stopped by SIGINT is recorded as
 * interrupted (not failed), a `sync` killed with SIGKILL is shown as interrupted by `status` (which
 * writes nothing, in the warehouse or in Redis) and closed by the next run, which resumes it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEI_ERROR_CODES, SYNC_ERROR_CODES } from '../../src/errors.js';
import { readCheckpoint } from '../../src/state/checkpoints.js';
import { readSlices } from '../../src/state/walk-slices.js';
import { type CliProcess, spawnCli } from '../support/cli-process.js';
import { testQueuePrefix, testRedisUrl } from '../support/services.js';
import { diffStream, type SyncHarness, startSyncHarness } from '../support/sync-harness.js';

const STREAMS = 'jira_issues,org_users';

describe('interrupted and killed runs', () => {
  let harness: SyncHarness;
  let redis: Redis;
  const prefix = testQueuePrefix();
  let env: Record<string, string>;

  beforeAll(async () => {
    harness = await startSyncHarness({
      simulator: { records: 300, seed: 19, faults: { slow: 1, slowMs: 250 } },
    });
    redis = new Redis(testRedisUrl());
    env = {
      DATABASE_URL: harness.database!.url,
      SEI_BASE_URL: harness.simulator.url,
      SEI_API_KEY: harness.simulator.adminKey,
      SEI_PAGE_SIZE: '20',
      SEI_REQUESTS_PER_MINUTE: '5000',
      SEI_STREAMS: STREAMS,
      REDIS_URL: testRedisUrl(),
      BULLMQ_PREFIX: prefix,
      LOG_LEVEL: 'warn',
    };
  });
  afterAll(async () => {
    redis?.disconnect();
    await harness?.close();
  });

  async function walk(): Promise<{ walkId: string | undefined; pages: number }> {
    const walkId = (await readCheckpoint(harness.warehouse.db, 'jira_issues'))?.walk?.walkId;
    const slices = walkId ? await readSlices(harness.warehouse.db, walkId) : [];
    return { walkId, pages: slices.reduce((pages, slice) => pages + slice.pages, 0) };
  }

  /** Starts `sync` and waits until it has committed a few pages of the Jira walk (a new one or the last). */
  async function syncUntilPages(args: readonly string[] = []): Promise<CliProcess> {
    const before = await walk();
    const cli = spawnCli(['sync', ...args], env);
    for (let i = 0; i < 600 && cli.exit === undefined; i++) {
      const now = await walk();
      const done = now.walkId === before.walkId ? now.pages - before.pages : now.pages;
      if (now.walkId !== undefined && done >= 3) return cli;
      await sleep(50);
    }
    await cli.kill();
    throw new Error(`the sync never committed pages: ${cli.output()}`);
  }

  async function ledger(runStatus?: string) {
    const runs = await sql<{ id: string; status: string; error: string | null; finished_at: Date | null }>`
      SELECT id, status, error, finished_at FROM sei_sync.runs ORDER BY started_at`.execute(
      harness.warehouse.db,
    );
    const streams = await sql<{ run_id: string; stream: string; status: string; error_code: string | null }>`
      SELECT run_id, stream, status, error_code FROM sei_sync.stream_runs`.execute(harness.warehouse.db);
    return {
      runs: runs.rows.filter((run) => runStatus === undefined || run.status === runStatus),
      streams: streams.rows,
    };
  }

  it('records a stream stopped by SIGINT as interrupted, its walk kept for the next sync', async () => {
    const cli = await syncUntilPages();
    cli.signal('SIGINT');
    const exit = await cli.exited;
    expect(exit.code, cli.output()).not.toBe(0);
    const { runs, streams } = await ledger();
    const [run] = runs;
    expect(run?.status).toBe('interrupted');
    const jira = streams.find((s) => s.run_id === run?.id && s.stream === 'jira_issues');
    expect(jira).toMatchObject({ status: 'interrupted', error_code: SEI_ERROR_CODES.aborted });
    expect(streams.filter((s) => s.status === 'failed' || s.status === 'running')).toEqual([]);
    // The walk kept its place.
    expect((await readCheckpoint(harness.warehouse.db, 'jira_issues'))?.walk).toBeDefined();
  }, 120_000);

  it('shows a run killed with SIGKILL as interrupted without writing anything, and the next run closes it', async () => {
    // A walk from the start again (the first test's run finished the last one).
    const cli = await syncUntilPages(['--full-refresh']);
    await cli.kill();
    const killed = (await ledger('running')).runs;
    expect(killed).toHaveLength(1);

    const keysBefore = await redis.keys(`${prefix}:*`);
    const status = spawnCli(['status', '--json'], env);
    await status.exited;
    const document = JSON.parse(status.stdout()) as {
      streams: { stream: string; lastRun: { runId: string; status: string; error: string | null } | null }[];
    };
    const jira = document.streams.find((s) => s.stream === 'jira_issues');
    expect(jira?.lastRun).toMatchObject({ runId: killed[0]?.id, status: 'interrupted' });
    expect(jira?.lastRun?.error).toMatch(/pid \d+ .*ended without closing it/);
    // A reporting command reads: no BullMQ key appeared, and the ledger still says what it said.
    expect(await redis.keys(`${prefix}:*`)).toEqual(keysBefore);
    expect((await ledger('running')).runs.map((run) => run.id)).toEqual([killed[0]?.id]);

    harness.simulator.setFaults({ slow: 0 });
    const rerun = spawnCli(['sync'], env);
    expect((await rerun.exited).code, rerun.output()).toBe(0);
    const after = await ledger();
    expect(after.runs.filter((run) => run.status === 'running')).toEqual([]);
    expect(after.runs.find((run) => run.id === killed[0]?.id)).toMatchObject({ status: 'interrupted' });
    expect(
      after.streams.filter((s) => s.run_id === killed[0]?.id).map((s) => [s.status, s.error_code]),
    ).toContainEqual(['interrupted', SYNC_ERROR_CODES.abandoned]);
    for (const stream of ['jira_issues', 'org_users'] as const) {
      expect(await diffStream(harness, stream)).toMatchObject({ missing: [], unexpected: [], different: [] });
    }
  }, 180_000);
});
