/**
 * The tail of a walk (src/sync/work-stealing.ts): most of a stream's records are moved into one hour,
 * which the planner's few counts leave in one slice. Walkers that finish their own slices split it and
 * walk the far parts, in one process, in the worker, and across a kill; every walk ends exact, with each
 * record read by one slice only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisConnection } from '../../../jobs/connection.js';
import { enqueueRun } from '../../../jobs/enqueue.js';
import { createWorker } from '../../../jobs/worker.js';
import { createLogger } from '../../../src/observability/logger.js';
import type { RequestLogEntry } from '../../../src/simulator/index.js';
import { readCheckpoint } from '../../../src/state/checkpoints.js';
import { readSlices, type SliceState } from '../../../src/state/walk-slices.js';
import { STREAMS } from '../../../src/streams/registry.js';
import { runSync } from '../../../src/sync/run-sync.js';
import { cliArgs } from '../../support/cli-process.js';
import { testQueuePrefix, testRedisUrl } from '../../support/services.js';
import { diffStream, type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';
import { waitFor } from '../jobs/memory-engine.js';

const STREAM = 'scm_pull_requests';
const RECORDS = 1_500;
const PAGE_SIZE = 20;
const SIMULATOR = { records: 120, seed: 33, streamSizes: { [STREAM]: RECORDS } };

/** 1,200 of the stream's records moved into one hour, two per second: one slice of the plan holds them. */
function skew(harness: SyncHarness): void {
  const hour = Date.UTC(2024, 5, 1, 12);
  for (let second = 0; second < 600; second++)
    harness.simulator.dataset.mutate(STREAM, { update: 2 }, hour + second * 6_000);
}

/** The log lines of an engine, parsed. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination: sink }), lines };
}

/** The planned slices and the splits of the stream's walks, from the engine's log. */
function walkLog(lines: readonly Record<string, unknown>[]) {
  const ofStream = lines.filter((line) => line.stream === STREAM);
  return {
    planned: ofStream.filter((l) => l.msg === 'walk planned').map((l) => Number(l.slices)),
    splits: ofStream
      .filter((l) => String(l.msg).startsWith('split a running slice'))
      .map((l) => Number(l.at)),
  };
}

/** The lower bound (inclusive, epoch s) of a walk request of the stream, when it asked for a page. */
function walkRequestFrom(entry: RequestLogEntry): number | undefined {
  const stream = STREAMS[STREAM];
  if (stream.mode !== 'incremental') throw new Error(`${STREAM} is walked by time`);
  if (!entry.path.endsWith(stream.path) || entry.status !== 200 || entry.pageSize === 1) return undefined;
  const field = stream.cursor.filter.field;
  const range = (entry.body?.filter as Record<string, { $gt?: number }> | undefined)?.[field];
  return range?.$gt === undefined ? undefined : Number(range.$gt) + 1;
}

async function streamRun(harness: SyncHarness) {
  const { rows } = await sql<{ records: string; inserted: string; unchanged: string; slices: number }>`
    SELECT records, inserted, unchanged, slices FROM sei_sync.stream_runs
    WHERE stream = ${STREAM} ORDER BY started_at DESC LIMIT 1`.execute(harness.warehouse.db);
  const row = rows[0]!;
  return {
    records: Number(row.records),
    inserted: Number(row.inserted),
    unchanged: Number(row.unchanged),
    slices: row.slices,
  };
}

/** Every split point is where a thief's walk started: its slice was walked. */
function expectThievesWalked(harness: SyncHarness, splits: readonly number[]): void {
  const starts = new Set(harness.simulator.requestLog.map(walkRequestFrom));
  for (const at of splits)
    expect(starts.has(at), `a walk request starts at the split point ${at}`).toBe(true);
}

/**
 * The walk ended exact, was split, every thief walked its part, and each record was read by one slice
 * only: what a victim read past its new bound was the thief's.
 */
async function expectSplitWalkExact(harness: SyncHarness, lines: readonly Record<string, unknown>[]) {
  expect(await diffStream(harness, STREAM)).toMatchObject({ missing: [], unexpected: [], different: [] });
  const { planned, splits } = walkLog(lines);
  expect(splits.length).toBeGreaterThan(0);
  expectThievesWalked(harness, splits);
  expect(await streamRun(harness)).toEqual({
    records: RECORDS,
    inserted: RECORDS,
    unchanged: 0,
    slices: planned[0]! + splits.length,
  });
}

describe('a walk whose records crowd into one slice', () => {
  let harness: SyncHarness;
  afterEach(async () => {
    await harness?.close();
  });

  it('in one process: walkers that finish split the crowded slice, and the walk ends exact', async () => {
    const { logger, lines } = capturedLogger();
    harness = await startSyncHarness({
      simulator: SIMULATOR,
      env: { SEI_PAGE_SIZE: String(PAGE_SIZE) },
      engine: { logger },
    });
    skew(harness);
    const run = await runSync(harness.engine, { streams: [STREAM], fullRefresh: false, trigger: 'cli' });
    expect(run.results.map((r) => (r.status === 'failed' ? r.error.message : r.status))).toEqual([
      'succeeded',
    ]);
    expect(walkLog(lines).planned).toHaveLength(1);
    await expectSplitWalkExact(harness, lines);
  }, 180_000);

  it('in the worker: a slice job steals before it returns, and the run ends exact', async () => {
    const { logger, lines } = capturedLogger();
    harness = await startSyncHarness({
      simulator: SIMULATOR,
      env: { SEI_PAGE_SIZE: String(PAGE_SIZE) },
      engine: { logger },
    });
    skew(harness);
    const prefix = testQueuePrefix();
    const connection: Redis = createRedisConnection(testRedisUrl());
    const worker = createWorker({ engine: harness.engine, connection, prefix, concurrency: 6 });
    try {
      await worker.waitUntilReady();
      const { runId } = await enqueueRun({ connection, prefix }, { streams: [STREAM] });
      const finished = async () => {
        const { rows } = await sql<{ status: string }>`
          SELECT status FROM sei_sync.runs WHERE id = ${runId}`.execute(harness.warehouse.db);
        return rows[0] !== undefined && rows[0].status !== 'running';
      };
      await waitFor(finished, 60_000, 'the run');
    } finally {
      await worker.close();
      const keys = await connection.keys(`${prefix}:*`);
      if (keys.length > 0) await connection.del(...keys);
      await connection.quit();
    }
    await expectSplitWalkExact(harness, lines);
  }, 180_000);

  it('killed after a split, the resumed walk ends exact and walks the split slices on', async () => {
    harness = await startSyncHarness({
      // Slow pages, so that the kill lands while the split slices are being walked: a split slice
      // holds a few pages, and a busy machine polls its state only every 100 ms or so.
      simulator: { ...SIMULATOR, faults: { slow: 1, slowMs: 120 } },
      env: { SEI_PAGE_SIZE: String(PAGE_SIZE) },
    });
    skew(harness);
    const child = startCliSync(harness);
    let exitCode: number | null | undefined;
    const exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        exitCode = code;
        resolve(code);
      }),
    );
    let killedAt: SliceState[] = [];
    const splitAndWalking = async () => {
      // A sync that ended before the kill could land would keep the wait going for a minute.
      if (exitCode !== undefined)
        throw new Error(`the sync ended (exit ${exitCode}) before a split slice was seen being walked`);
      const walkId = (await readCheckpoint(harness.warehouse.db, STREAM))?.walk?.walkId;
      killedAt = walkId ? await readSlices(harness.warehouse.db, walkId) : [];
      return killedAt.some((slice) => slice.splitFrom !== null && slice.pages > 0 && !slice.done);
    };
    try {
      await waitFor(splitAndWalking, 60_000, 'a split slice being walked');
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    killedAt = await readSlices(harness.warehouse.db, killedAt[0]!.walkId);
    const open = killedAt.filter((slice) => !slice.done);
    expect(open.length).toBeGreaterThan(0);

    harness.simulator.setFaults({ slow: 0 });
    harness.simulator.clearRequestLog();
    let run = await runSync(harness.newEngine(), { streams: [STREAM], fullRefresh: false, trigger: 'cli' });
    // The killed process's lease on the stream may outlive it for a moment.
    for (let attempt = 0; attempt < 5 && run.status !== 'succeeded'; attempt++) {
      await sleep(1000);
      run = await runSync(harness.newEngine(), { streams: [STREAM], fullRefresh: false, trigger: 'cli' });
    }
    expect(run.results.map((r) => r.status)).toEqual(['succeeded']);
    expect(await diffStream(harness, STREAM)).toMatchObject({ missing: [], unexpected: [], different: [] });
    // The rerun continued the walk: every open slice, split ones included, on from its resume point.
    const starts = harness.simulator.requestLog.map(walkRequestFrom).filter((s) => s !== undefined);
    for (const slice of open.filter((s) => s.pages > 0 && s.resumeAt < s.to))
      expect(starts, `slice ${slice.sliceNo} resumed`).toContain(slice.resumeAt);
    const done = killedAt.filter((slice) => slice.done);
    for (const start of starts) {
      const inDone = done.some((slice) => start >= slice.from && start < slice.to);
      expect(inDone, `no request reads again a slice done before the kill (${start})`).toBe(false);
    }
  }, 180_000);
});

function startCliSync(harness: SyncHarness): ChildProcess {
  return spawn(process.execPath, cliArgs(['sync', '--streams', STREAM]), {
    env: {
      ...process.env,
      DATABASE_URL: harness.database!.url,
      SEI_BASE_URL: harness.simulator.url,
      SEI_API_KEY: harness.simulator.adminKey,
      SEI_PAGE_SIZE: String(PAGE_SIZE),
      SEI_REQUESTS_PER_MINUTE: '5000',
      LOG_LEVEL: 'silent',
    },
    stdio: 'ignore',
  });
}
