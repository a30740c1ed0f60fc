/**
 * A deleting walk does not note the keys of the rows it inserts (issue 24): its deletion step keeps
 * every row first seen since the walk's read began (`walk_pass_started_at`, PostgreSQL's clock, kept in
 * the checkpoint). What must hold: rows SEI no longer lists are marked deleted, rows the walk inserted
 * are not, in a walk resumed by another process (worker steps) as in one run, on PostgreSQL and PGlite.
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../../src/state/checkpoints.js';
import type { SyncEngine } from '../../../src/sync/types.js';
import { migratedPgliteDir } from '../../support/pglite-template.js';
import { countRows, diffStream, type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';

const exact = { missing: [], unexpected: [], different: [] };
const FOREIGN = ['GONE-1', 'GONE-2', 'GONE-3'];

/**
 * The walk keys of `walkId`, how many of them belong to rows first seen since the walk's read began, and
 * how many rows were first seen since then (inserted by the walk).
 */
async function walkKeys(harness: SyncHarness, walkId: string) {
  const { rows } = await sql<{ keys: number; ofInserted: number; inserted: number }>`
    SELECT (SELECT count(*)::int FROM sei_sync.walk_keys w WHERE w.walk_id = c.walk_id) AS keys,
           (SELECT count(*)::int FROM sei_sync.walk_keys w JOIN sei.jira_issues t
              ON concat_ws(chr(31), t.integration_id::text, t.issue_key::text) = w.key
            WHERE w.walk_id = c.walk_id AND t.first_seen_at >= c.walk_pass_started_at) AS "ofInserted",
           (SELECT count(*)::int FROM sei.jira_issues t
            WHERE t.first_seen_at >= c.walk_pass_started_at) AS inserted
    FROM sei_sync.checkpoints c WHERE c.walk_id = ${walkId}::uuid`.execute(harness.warehouse.db);
  return rows[0]!;
}

/** A worker's stream job split over two processes: the first walks all slices but one, the second the rest. */
async function resumedWorkerWalk(harness: SyncHarness, runId: string, fullRefresh: boolean) {
  const request = { runId, stream: 'jira_issues' as const, fullRefresh };
  const first = await harness.engine.beginStream(request);
  if (first.kind !== 'slices') throw new Error(`expected slices, got ${first.kind}`);
  expect(first.slices.length).toBeGreaterThan(1);
  for (const sliceNo of first.slices.slice(0, -1)) {
    const done = await harness.engine.walkSlice({ ...request, walkId: first.walkId, sliceNo });
    expect(done.status).toBe('done');
  }
  const midway = await walkKeys(harness, first.walkId);

  const other: SyncEngine = harness.newEngine();
  let step = await other.beginStream(request);
  while (step.kind === 'slices') {
    const { walkId } = step;
    for (const no of step.slices) await other.walkSlice({ ...request, walkId, sliceNo: no });
    step = await other.finishStream(request);
  }
  return { result: step.result, walkId: first.walkId, midway };
}

describe.each([
  ['PostgreSQL', false],
  ['PGlite', true],
])('deleting walks on %s note only the keys of rows they did not insert', (_name, embedded) => {
  let harness: SyncHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('deletes exactly what SEI no longer lists, on a first and on a resumed full walk', async () => {
    harness = await startSyncHarness({
      simulator: { records: 200, seed: 41 },
      env: { SEI_PAGE_SIZE: '20' },
      ...(embedded && { pgliteDir: await migratedPgliteDir('sei-walk-keys-') }),
    });
    const { db } = harness.warehouse;
    // Rows the table holds before the first sync that SEI does not list (another tenant's leftovers).
    for (const key of FOREIGN)
      await sql`INSERT INTO sei.jira_issues (integration_id, issue_key, raw, row_hash)
                VALUES ('1', ${key}, '{}', 'h')`.execute(db);

    // The first sync walks from the beginning of time: it decides deletions, and inserts every row.
    const runId = await harness.engine.startRun({
      trigger: 'cli',
      streams: ['jira_issues'],
      fullRefresh: false,
    });
    const first = await resumedWorkerWalk(harness, runId, false);
    expect(first.result.status).toBe('succeeded');
    // Midway, no key of a row the walk inserted was noted (a key re-read on a boundary may be).
    expect(first.midway.inserted).toBeGreaterThan(10);
    expect(first.midway.ofInserted).toBeLessThan(first.midway.inserted / 4);
    expect(first.result.status === 'succeeded' && first.result.counts.deleted).toBe(FOREIGN.length);
    const gone = await sql<{ issue_key: string }>`
      SELECT issue_key FROM sei.jira_issues WHERE deleted_at IS NOT NULL ORDER BY issue_key`.execute(db);
    expect(gone.rows.map((row) => row.issue_key)).toEqual(FOREIGN);
    expect(await diffStream(harness, 'jira_issues')).toMatchObject(exact);

    // SEI deletes, adds and changes issues; a full refresh walks everything again, interrupted midway
    // (a worker's SIGTERM) and resumed by the same run.
    const { deleted, inserted } = harness.simulator.dataset.mutate('jira_issues', {
      delete: 4,
      insert: 6,
      update: 5,
    });
    const refreshRun = await harness.engine.startRun({
      trigger: 'manual',
      streams: ['jira_issues'],
      fullRefresh: true,
    });
    const controller = new AbortController();
    const interrupted = await harness.engine.syncStream({
      runId: refreshRun,
      stream: 'jira_issues',
      fullRefresh: true,
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.pages >= 3) controller.abort(new Error('stop'));
      },
    });
    expect(interrupted.status).toBe('failed');
    const walk = (await readCheckpoint(db, 'jira_issues'))?.walk;
    expect(walk).toMatchObject({ runId: refreshRun, decidesDeletions: true });
    // Rows stored before the walk are noted as seen; the walk's own inserts are not.
    const midway = await walkKeys(harness, walk!.walkId);
    expect(midway.keys).toBeGreaterThan(0);
    expect(midway.ofInserted).toBe(0);

    const resumed = await harness.engine.syncStream({
      runId: refreshRun,
      stream: 'jira_issues',
      fullRefresh: true,
    });
    expect(resumed.status).toBe('succeeded');
    expect(resumed.status === 'succeeded' && resumed.counts.deleted).toBe(deleted.length);
    expect(await diffStream(harness, 'jira_issues')).toMatchObject(exact);
    expect(await countRows(harness.warehouse, 'jira_issues', 'deleted_at IS NOT NULL')).toBe(
      FOREIGN.length + deleted.length,
    );
    // The issues SEI added were inserted by this walk and kept.
    expect(inserted).toHaveLength(6);
    const keys = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM sei_sync.walk_keys`.execute(db);
    expect(keys.rows[0]?.n).toBe(0);
  }, 120_000);
});
