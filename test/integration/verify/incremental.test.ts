/**
 * `verify` and `verify --heal` against the strict simulator (unstable ties, typed bounds, CI/CD's
 * inclusive bounds on millisecond instants, daily snapshots): a clean warehouse verifies clean with
 * every request counted; each kind of damage is named by its bucket, and a heal through the normal
 * path makes the warehouse exact again (`diffStream`), or says what it could not fix.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EARLIEST_SECOND } from '../../../src/extract/time-range.js';
import type { StreamName } from '../../../src/streams/types.js';
import { runSync } from '../../../src/sync/run-sync.js';
import { monthStart } from '../../../src/verify/buckets.js';
import { addRecord, editRecord, liveRecords } from '../../support/server-edits.js';
import { diffStream, type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';
import { differing, expectExact, healed, holds, sql, verify } from '../../support/verify-runs.js';

const DAY = 86_400;
const INCREMENTAL: StreamName[] = ['jira_issues', 'scm_pull_requests', 'scm_commits', 'cicd_job_runs'];
// Each case verifies the streams it damages (a verify is a request per month and stream).
const DAMAGED: StreamName[] = ['jira_issues', 'scm_pull_requests'];
const GONE: StreamName[] = ['scm_pull_requests', 'scm_commits'];
const SHIFTED: StreamName[] = ['jira_issues', 'scm_pull_requests'];

describe('verify and heal, incremental streams', () => {
  let harness: SyncHarness;
  let boundary: number;

  beforeAll(async () => {
    harness = await startSyncHarness({ simulator: { seed: 16, records: 300 } });
    // Records exactly on a month boundary: a CI/CD run ending at 00:00:00.000 (inclusive bounds put
    // it in both adjacent buckets, on both sides) and a Jira issue updated at that second.
    const run = liveRecords(harness.simulator, 'cicd_job_runs').find((entry) => entry.record.end_time)!;
    boundary = monthStart(Math.floor(Number(run.record.end_time) / 1000));
    editRecord(harness.simulator, 'cicd_job_runs', run.ordinal, {
      start_time: (boundary - 600) * 1000,
      end_time: boundary * 1000,
    });
    const issue = liveRecords(harness.simulator, 'jira_issues')[0]!;
    editRecord(harness.simulator, 'jira_issues', issue.ordinal, { issue_updated_at: boundary });
    const synced = await runSync(harness.engine, {
      streams: INCREMENTAL,
      fullRefresh: false,
      trigger: 'cli',
    });
    expect(synced.status).toBe('succeeded');
  });
  afterAll(async () => harness?.close());

  it('a clean warehouse verifies clean, records on bucket boundaries included, and states its requests', async () => {
    const results = await verify(harness, INCREMENTAL);
    for (const stream of INCREMENTAL) {
      const result = results[stream];
      expect(result.status, stream).toBe('clean');
      expect(result.method).toBe('total_count');
      expect(result.buckets.length).toBeGreaterThan(12);
      // Buckets partition the compared range, up to the cursor.
      expect(result.buckets[0]?.range?.from).toBe(EARLIEST_SECOND);
      expect(result.buckets[0]?.range?.to).toBe(1);
      expect(result.buckets.at(-1)?.range?.to).toBe(result.range?.to);
    }
    // The server's records before 1970 (a PR at -19700, a Jira issue at -1) are stored and compared.
    for (const stream of ['jira_issues', 'scm_pull_requests'] as const) {
      const before1970 = results[stream].buckets[0];
      expect({ stream, server: before1970?.server, warehouse: before1970?.warehouse }).toEqual({
        stream,
        server: 1,
        warehouse: 1,
      });
    }
    // Records without a cursor value: none but the runs still running, which no walk by time reads.
    const running = liveRecords(harness.simulator, 'cicd_job_runs').filter((e) => !e.record.end_time).length;
    for (const stream of INCREMENTAL)
      expect({ stream, ...results[stream].withoutValue }).toMatchObject({
        stream,
        server: stream === 'cicd_job_runs' ? running : 0,
        warehouse: 0,
        outcome: stream === 'cicd_job_runs' && running > 0 ? 'not_readable_by_time' : 'equal',
      });
    const cicd = results.cicd_job_runs.buckets;
    const atBoundary = cicd.filter((b) => b.range?.to === boundary || b.range?.from === boundary);
    expect(atBoundary).toHaveLength(2);
  });

  it('finds rows removed from the warehouse, and a heal puts them back', async () => {
    const prs = liveRecords(harness.simulator, 'scm_pull_requests').slice(10, 13);
    await sql(harness, 'DELETE FROM sei.scm_pull_requests WHERE id = ANY($1::text[])', [
      prs.map((pr) => pr.record.id),
    ]);
    const issue = liveRecords(harness.simulator, 'jira_issues')[20]!.record;
    await sql(
      harness,
      `UPDATE sei.jira_issues SET deleted_at = now() WHERE integration_id = $1 AND issue_key = $2`,
      [issue.integration_id, issue.key],
    );

    const found = await verify(harness, DAMAGED);
    expect(found.scm_pull_requests.status).toBe('differs');
    const gaps = differing(found.scm_pull_requests);
    expect(gaps.reduce((sum, b) => sum + b.server - b.warehouse, 0)).toBe(3);
    for (const pr of prs) expect(gaps.some((b) => holds(b, Number(pr.record.pr_updated_at)))).toBe(true);
    expect(gaps.flatMap((b) => b.sample?.missing ?? []).sort()).toEqual(prs.map((pr) => pr.record.id).sort());
    const jiraGap = differing(found.jira_issues);
    expect(jiraGap).toHaveLength(1);
    expect(holds(jiraGap[0]!, Number(issue.issue_updated_at))).toBe(true);

    const fixed = await verify(harness, DAMAGED, true);
    expect(fixed.scm_pull_requests.status).toBe('clean');
    expect(healed(fixed.scm_pull_requests).length).toBe(gaps.length);
    expect(fixed.scm_pull_requests.heal).toMatchObject({ inserted: 3, deleted: 0, deletionsDecided: true });
    expect(fixed.jira_issues.heal).toMatchObject({ bucketsWalked: 1, deleted: 0 });
    await expectExact(harness, DAMAGED);
    expect((await verify(harness, ['scm_pull_requests'])).scm_pull_requests.status).toBe('clean');
  });

  it('finds rows the source no longer has, and a heal marks them deleted by the clean-walk rule', async () => {
    const gone = harness.simulator.dataset.mutate('scm_pull_requests', { delete: 2 }).deleted;
    const commit = liveRecords(harness.simulator, 'scm_commits')[5]!.record;
    // A row SEI never served (a copy under a new key), in the same bucket as a real commit.
    await sql(
      harness,
      `INSERT INTO sei.scm_commits (commit_key, id, created_at, raw, row_hash)
       SELECT 'ghost-commit', 'ghost-commit', created_at, raw, row_hash FROM sei.scm_commits WHERE commit_key = $1`,
      [commit.id],
    );
    const found = await verify(harness, GONE);
    expect(differing(found.scm_pull_requests).reduce((sum, b) => sum + b.warehouse - b.server, 0)).toBe(2);
    const ghost = differing(found.scm_commits);
    expect(ghost).toHaveLength(1);
    expect(ghost[0]?.sample?.extra).toEqual(['ghost-commit']);

    const fixed = await verify(harness, GONE, true);
    expect(fixed.scm_pull_requests.heal).toMatchObject({ deleted: 2, deletionsDecided: true });
    expect(fixed.scm_commits.heal).toMatchObject({ deleted: 1, deletionsDecided: true });
    const marked = await sql(
      harness,
      'SELECT id FROM sei.scm_pull_requests WHERE deleted_at IS NOT NULL ORDER BY id',
    );
    expect(marked.rows.map((row) => row.id)).toEqual([...gone].sort());
    await expectExact(harness, GONE);
  });

  it('finds a record that moved across a bucket boundary behind the cursor, and a late record', async () => {
    const cursor = Math.floor(Date.now() / 1000);
    const moved = liveRecords(harness.simulator, 'scm_pull_requests')[40]!;
    const from = Number(moved.record.pr_updated_at);
    const to = from - 45 * DAY;
    editRecord(harness.simulator, 'scm_pull_requests', moved.ordinal, {
      pr_updated_at: to,
      title: 'moved back',
    });
    const template = liveRecords(harness.simulator, 'jira_issues')[30]!.record;
    const lateAt = cursor - 60 * DAY;
    addRecord(harness.simulator, 'jira_issues', template, { key: 'LATE-1', issue_updated_at: lateAt });
    // An incremental sync looks back one day: neither change is in its window.
    await runSync(harness.engine, { streams: INCREMENTAL, fullRefresh: false, trigger: 'cli' });
    expect((await diffStream(harness, 'jira_issues')).missing).toHaveLength(1);

    const found = await verify(harness, SHIFTED);
    const shifted = differing(found.scm_pull_requests);
    expect(shifted).toHaveLength(2);
    expect(shifted.find((b) => holds(b, from))).toMatchObject({ outcome: 'differs' });
    expect(shifted.find((b) => holds(b, to))?.sample?.missing).toEqual([moved.record.id]);
    const late = differing(found.jira_issues);
    expect(late).toHaveLength(1);
    expect(holds(late[0]!, lateAt)).toBe(true);

    const fixed = await verify(harness, SHIFTED, true);
    expect(fixed.scm_pull_requests.status).toBe('clean');
    expect(fixed.scm_pull_requests.heal).toMatchObject({ updated: 1, deleted: 0 });
    expect(fixed.jira_issues.heal).toMatchObject({ inserted: 1, deleted: 0 });
    await expectExact(harness, SHIFTED);
  });

  it('sets aside records changed since the last sync: not synced yet is not lost', async () => {
    harness.simulator.dataset.mutate('scm_pull_requests', { update: 4 });
    const results = await verify(harness, ['scm_pull_requests']);
    const result = results.scm_pull_requests;
    expect(result.status).toBe('clean');
    expect(result.buckets.reduce((sum, b) => sum + b.moved, 0)).toBe(4);
    expect(result.notes.join('\n')).toMatch(/4 rows changed on the server since the last sync/);
    await runSync(harness.engine, { streams: ['scm_pull_requests'], fullRefresh: false, trigger: 'cli' });
  });

  it('a heal whose walk straddles a snapshot switch reads its buckets again before deciding anything', async () => {
    // Two issues of two months: the heal walks two slices, whose first requests come one after the other.
    const all = liveRecords(harness.simulator, 'jira_issues').map(({ record }) => record);
    const month = (record: (typeof all)[number]) => monthStart(Number(record.issue_updated_at));
    const first = all[40]!;
    const issues = [first, all.find((record) => month(record) !== month(first))!];
    for (const record of issues)
      await sql(harness, 'DELETE FROM sei.jira_issues WHERE integration_id = $1 AND issue_key = $2', [
        record.integration_id,
        record.key,
      ]);
    await verify(harness, ['jira_issues']);
    // A verify's one-record counts come first, then (with --heal) the walk of the two buckets: SEI
    // switches to a new daily snapshot between the first requests of the two slices. (The simulator's
    // next snapshot is tomorrow's: this test runs before the next one switches to it.)
    const counts = harness.simulator.requestLog.filter((entry) => entry.pageSize === 1).length;
    harness.simulator.switchSnapshotDuringWalk('jira_issues', counts + 1);
    const fixed = (await verify(harness, ['jira_issues'], true)).jira_issues;
    expect(fixed).toMatchObject({ status: 'clean', heal: { inserted: 2, deletionsDecided: true } });
    const walked = healed(fixed).reduce((sum, bucket) => sum + bucket.server, 0);
    expect(fixed.heal!.records).toBeGreaterThanOrEqual(2 * walked);
    expect(await diffStream(harness, 'jira_issues')).toMatchObject({ missing: [], unexpected: [] });
  });

  it('after a snapshot switch SEI no longer lists deleted issues: verify names their buckets, a heal makes the table exact', async () => {
    const switched = harness.simulator.dataset.switchSnapshot('jira_issues', { update: 3, delete: 2 });
    await runSync(harness.engine, { streams: ['jira_issues'], fullRefresh: false, trigger: 'cli' });
    expect((await diffStream(harness, 'jira_issues')).unexpected).toHaveLength(2);
    const found = await verify(harness, ['jira_issues']);
    expect(found.jira_issues.status).toBe('differs');
    const extra = differing(found.jira_issues).flatMap((b) => b.sample?.extra ?? []);
    expect(extra.map((key) => key.replace('\u001f', '/')).sort()).toEqual([...switched.deleted].sort());

    const fixed = await verify(harness, ['jira_issues'], true);
    expect(fixed.jira_issues).toMatchObject({ status: 'clean', heal: { deleted: 2 } });
    // The same records, row for row. Unchanged issues keep the snapshot day (`ingested_at`) they were
    // last read from: a field no count can see, which the next full refresh rewrites.
    const diff = await diffStream(harness, 'jira_issues');
    expect(diff).toMatchObject({ missing: [], unexpected: [] });
    expect(diff.actual).toBe(diff.expected);
  });

  it('reports a bucket it cannot heal with both counts and the keys, never hides it', async () => {
    // A typed column that disagrees with the stored record: the record did not change, so the
    // upsert leaves the row alone, and the row is seen in the other bucket, so it is not deleted.
    const pr = liveRecords(harness.simulator, 'scm_pull_requests')[60]!.record;
    await sql(
      harness,
      `UPDATE sei.scm_pull_requests SET pr_updated_at = pr_updated_at - interval '40 days' WHERE id = $1`,
      [pr.id],
    );
    const result = (await verify(harness, ['scm_pull_requests'], true)).scm_pull_requests;
    expect(result.status).toBe('differs');
    const left = differing(result);
    expect(left).toHaveLength(2);
    expect(left.map((b) => b.server - b.warehouse).sort()).toEqual([-1, 1]);
    expect(left.flatMap((b) => [...(b.sample?.missing ?? []), ...(b.sample?.extra ?? [])])).toEqual([
      pr.id,
      pr.id,
    ]);
    expect(result.heal).toMatchObject({ deleted: 0 });
    await sql(
      harness,
      `UPDATE sei.scm_pull_requests SET pr_updated_at = to_timestamp((raw->>'pr_updated_at')::bigint) WHERE id = $1`,
      [pr.id],
    );
  });
});
