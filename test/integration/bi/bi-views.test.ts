/**
 * The sei_bi views on a small hand-built dataset (records shaped like the simulator's, written through
 * the stream normalizers and writePage with history), each view checked against numbers worked out by
 * hand in the comments.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeiRecord } from '../../../src/extract/sei/types.js';
import { closeHistoryOfDeletedRows } from '../../../src/load/history.js';
import { Secret } from '../../../src/secret.js';
import { openWarehouse, type Warehouse } from '../../../src/state/open.js';
import { STREAMS } from '../../../src/streams/registry.js';
import { numbers } from '../../support/numeric-rows.js';
import { createTestDatabase, type TestDatabase } from '../../support/services.js';
import { writeRecords } from '../../support/write-records.js';

const HOUR = 3600;
const DAY = 86_400;
/** Epoch seconds. */
const FEB_1 = Date.UTC(2026, 1, 1) / 1000;
const MAR_1 = Date.UTC(2026, 2, 1) / 1000;
const APR_1 = Date.UTC(2026, 3, 1) / 1000;
const mar = (day: number, hour = 0) => MAR_1 + (day - 1) * DAY + hour * HOUR;

const SYNC_1 = new Date('2026-04-05T00:00:00Z');
const SYNC_2 = new Date('2026-04-06T00:00:00Z');

function pr(
  id: string,
  creator: string,
  created: number,
  firstReview: number,
  merged: number,
  lines: number,
): SeiRecord {
  return {
    id,
    integration_id: '4021',
    repo_id: ['acme/web'],
    project: 'acme/web',
    number: id.slice(3),
    title: `change ${id}`,
    state: merged ? 'merged' : 'open',
    merged: merged > 0,
    creator,
    creator_id: `sei-uuid-${creator}`,
    reviewers: ['bob-b'],
    lines_added: String(lines),
    lines_deleted: 1,
    first_review_at: firstReview,
    pr_created_at: created,
    pr_updated_at: Math.max(created, firstReview, merged),
    pr_merged_at: merged,
    pr_closed_at: merged,
  };
}

// PR-1: 2 h to first review, 8 h review to merge, 10 h cycle.  PR-2: 4 h, 20 h, 24 h.
// PR-3: open, never reviewed.  PR-4: unmapped creator, opened 31 Mar, merged 1 Apr 12:00 (6 h, 30 h, 36 h).
// PR-5: merged in March after 100 h but deleted: left out everywhere.
const PRS = [
  pr('pr-1', 'alice-a', mar(1), mar(1, 2), mar(1, 10), 10),
  pr('pr-2', 'bob-b', mar(2), mar(2, 4), mar(3), 20),
  pr('pr-3', 'alice-a', mar(3), 0, 0, 30),
  pr('pr-4', 'ext-dead', mar(31), mar(31, 6), APR_1 + 12 * HOUR, 40),
  pr('pr-5', 'alice-a', mar(4), mar(4, 1), mar(4, 100), 50),
];

function commit(
  id: string,
  author: string,
  authorId: string,
  at: number,
  additions: number,
  deletions: number,
): SeiRecord {
  return {
    id,
    integration_id: '4021',
    repo_id: ['acme/web'],
    project: 'acme/web',
    commit_sha: id.padEnd(40, '0'),
    message: 'Fix race in retry handler',
    author,
    author_id: authorId,
    committer: author,
    additions,
    deletions,
    committed_at: at,
  };
}

// C-4 names its author by display name; the login is its author_id (attribution through the id).
const COMMITS = [
  commit('c-1', 'alice-a', 'sei-uuid-alice', mar(5), 100, 10),
  commit('c-2', 'alice-a', 'sei-uuid-alice', mar(6), 50, 5),
  commit('c-3', 'bob-b', 'sei-uuid-bob', mar(7), 20, 2),
  commit('c-4', 'Carol Display', 'carol-c', APR_1 + DAY, 7, 1),
  commit('c-5', 'ext-dead', 'sei-uuid-ext', mar(8), 1, 1),
];

function issue(
  key: string,
  created: number,
  resolved: number,
  points: number,
  statuses: [string, number, number][],
): SeiRecord {
  const status = statuses[statuses.length - 1]![0];
  return {
    key,
    integration_id: '378',
    project: 'LEV',
    summary: `issue ${key}`,
    status,
    status_category: status === 'DONE' ? 'Done' : 'To Do',
    issue_type: 'STORY',
    story_points: points,
    issue_created_at: created,
    issue_updated_at: created + DAY,
    issue_resolved_at: resolved,
    // SEI lists the newest status first.
    status_list: [...statuses].reverse().map(([name, start, end]) => ({
      status: name,
      issue_key: key,
      integration_id: '378',
      start_time: start,
      end_time: end,
    })),
  };
}

// Lead times: LEV-1 10 d, LEV-2 4 d (both resolved in March), LEV-3 59 d (resolved 1 Apr), LEV-4 open.
// Hours in status: LEV-1 TODO 24, IN PROGRESS 72 + 120 = 192 (2 visits), IN REVIEW 24, DONE 24;
// LEV-2 TODO 24, IN PROGRESS 72, DONE 24; LEV-3 TODO 1416, DONE 24; LEV-4 TODO 48.
const ISSUES = [
  issue('LEV-1', mar(1), mar(11), 3, [
    ['TODO', mar(1), mar(2)],
    ['IN PROGRESS', mar(2), mar(5)],
    ['IN REVIEW', mar(5), mar(6)],
    ['IN PROGRESS', mar(6), mar(11)],
    ['DONE', mar(11), mar(12)],
  ]),
  issue('LEV-2', mar(5), mar(9), 5, [
    ['TODO', mar(5), mar(6)],
    ['IN PROGRESS', mar(6), mar(9)],
    ['DONE', mar(9), mar(10)],
  ]),
  issue('LEV-3', FEB_1, APR_1, 8, [
    ['TODO', FEB_1, APR_1],
    ['DONE', APR_1, APR_1 + DAY],
  ]),
  issue('LEV-4', mar(10), 0, 2, [['TODO', mar(10), mar(12)]]),
];

function run(
  id: string,
  job: string,
  status: string,
  startSeconds: number,
  durationSeconds: number | undefined,
  extra: SeiRecord = {},
): SeiRecord {
  const folder = job.startsWith('deploy') ? 'deploy' : 'ci';
  return {
    id,
    job_id: `job-${job}`,
    job_name: job,
    job_normalized_full_name: `${folder}/${job}/main`,
    cicd_instance_name: 'jenkins-prod',
    cicd_integration_id: '6011',
    job_run_number: 1,
    status,
    start_time: startSeconds * 1000,
    ...(durationSeconds === undefined
      ? {}
      : { end_time: (startSeconds + durationSeconds) * 1000, duration: durationSeconds }),
    tags: [],
    params: [],
    ...extra,
  };
}
const prod = { env: 'prod', tags: ['deploy', 'prod'], params: [{ name: 'ENVIRONMENT', value: 'prod' }] };

// March, prod: successes D-1 (2 Mar), D-3, D-4 (9 Mar), D-9 (20 Mar: tag + parameter only) = 4 on 3
// days; failure D-2 → 5 deployments, failure rate 0.2; D-6 aborted and D-7 running are not counted.
// March, staging: D-5 success. April, prod: D-8 failure. B-1/B-2 are builds; D-10 is deleted.
const RUNS = [
  run('d-1', 'deploy-web', 'SUCCESS', mar(2, 10), 600, prod),
  run('d-2', 'deploy-web', 'FAILURE', mar(2, 12), 300, prod),
  run('d-3', 'deploy-web', 'SUCCESS', mar(9, 10), 1200, prod),
  run('d-4', 'deploy-api', 'SUCCESS', mar(9, 11), 600, prod),
  run('d-5', 'deploy-api-staging', 'SUCCESS', mar(3), 60, {
    env: 'staging',
    tags: ['deploy', 'staging'],
    params: [{ name: 'ENVIRONMENT', value: 'staging' }],
  }),
  run('d-6', 'deploy-api', 'ABORTED', mar(10), 120, prod),
  run('d-7', 'deploy-api', 'RUNNING', mar(11), undefined, prod),
  run('d-8', 'deploy-web', 'FAILURE', APR_1 + 1800, 600, prod),
  run('d-9', 'release-train', 'SUCCESS', mar(20), 900, {
    tags: ['deploy'],
    params: [{ name: 'ENVIRONMENT', value: 'prod' }],
  }),
  run('d-10', 'deploy-web', 'SUCCESS', mar(15), 600, prod),
  run('b-1', 'web-build', 'SUCCESS', mar(2), 300),
  run('b-2', 'api-build', 'FAILURE', mar(3), 300),
];

const MS = (seconds: number) => seconds * 1000;
const USERS: SeiRecord[] = [
  {
    id: 'u-alice',
    full_name: 'Alice A',
    email: 'alice@example.com',
    integration_user_ids: [
      { integration_id: '4021', user_id: 'alice-a' },
      { integration_id: '378', user_id: '712020:alice' },
    ],
    created_at: MS(FEB_1),
  },
  {
    id: 'u-bob',
    full_name: 'Bob B',
    email: 'bob@example.com',
    integration_user_ids: [{ integration_id: '4021', user_id: 'bob-b' }],
    created_at: MS(FEB_1),
  },
  {
    id: 'u-carol',
    full_name: 'Carol C',
    email: 'carol@example.com',
    integration_user_ids: [{ integration_id: '4021', user_id: 'carol-c' }],
    created_at: MS(FEB_1),
  },
  {
    id: '0',
    full_name: 'External User1',
    email: '',
    integration_user_ids: [{ integration_id: '378', user_id: '712020:stranger' }],
    created_at: MS(FEB_1),
  },
];

function unit(
  id: number,
  name: string,
  path: string,
  parent: number | undefined,
  members: string[],
): SeiRecord {
  return {
    id: String(id),
    ou_id: `ou-${id}`,
    name,
    path,
    ...(parent === undefined ? {} : { parent_ref_id: parent }),
    default_section: { users: members },
    sections: [],
    version: '1',
    created_at: MS(FEB_1),
  };
}

// The tree: All Teams (76) ← Frontend (77: alice) ← Web (79: carol); All Teams ← Backend (78: bob, alice);
// Old (80: bob) is deleted.
const UNITS = [
  unit(76, 'All Teams', '/All Teams', undefined, []),
  unit(77, 'Frontend', '/All Teams/Frontend', 76, ['u-alice']),
  unit(78, 'Backend', '/All Teams/Backend', 76, ['u-bob', 'u-alice']),
  unit(79, 'Web', '/All Teams/Frontend/Web', 77, ['u-carol']),
  unit(80, 'Old', '/All Teams/Old', 76, ['u-bob']),
];

async function rows<T>(warehouse: Warehouse, query: string): Promise<T[]> {
  const result = await sql.raw<T>(query).execute(warehouse.db);
  return result.rows;
}

describe('sei_bi views', () => {
  let database: TestDatabase;
  let warehouse: Warehouse;

  beforeAll(async () => {
    database = await createTestDatabase('sei_test', { migrated: true });
    warehouse = await openWarehouse({ databaseUrl: new Secret(database.url) });
    const run1 = randomUUID();
    await writeRecords(warehouse, STREAMS.scm_pull_requests, PRS, SYNC_1, run1);
    await writeRecords(warehouse, STREAMS.scm_commits, COMMITS, SYNC_1, run1);
    await writeRecords(warehouse, STREAMS.jira_issues, ISSUES, SYNC_1, run1);
    await writeRecords(warehouse, STREAMS.cicd_job_runs, RUNS, SYNC_1, run1);
    await writeRecords(warehouse, STREAMS.org_users, USERS, SYNC_1, run1);
    await writeRecords(warehouse, STREAMS.org_units, UNITS, SYNC_1, run1);
    // A day later: PR-3 is retitled (one change); PR-5, D-10 and unit 80 are deleted.
    const run2 = randomUUID();
    await writeRecords(
      warehouse,
      STREAMS.scm_pull_requests,
      PRS.map((record) => (record.id === 'pr-3' ? { ...record, title: 'retitled' } : record)),
      SYNC_2,
      run2,
    );
    for (const [table, id] of [
      ['scm_pull_requests', 'pr-5'],
      ['cicd_job_runs', 'd-10'],
      ['org_units', '80'],
    ] as const) {
      await sql`UPDATE ${sql.table(`sei.${table}`)} SET deleted_at = ${SYNC_2.toISOString()}::timestamptz WHERE id = ${id}`.execute(
        warehouse.db,
      );
      await warehouse.db.transaction().execute((trx) => closeHistoryOfDeletedRows(trx, STREAMS[table].table));
    }
  });
  afterAll(async () => {
    await warehouse?.close();
    await database?.drop();
  });

  it('every view has a comment', async () => {
    const views = await rows<{ name: string; comment: string | null }>(
      warehouse,
      `SELECT c.relname AS name, obj_description(c.oid, 'pg_class') AS comment
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'sei_bi' AND c.relkind = 'v' ORDER BY 1`,
    );
    expect(views.map((view) => view.name)).toEqual([
      'contribution_events',
      'contributor_activity_monthly',
      'contributor_identities',
      'data_freshness',
      'deployment_metrics_by_job_monthly',
      'deployment_metrics_monthly',
      'deployments',
      'flaky_tests',
      'identities',
      'incident_metrics_monthly',
      'incidents',
      'jira_issue_custom_fields',
      'jira_lead_time',
      'jira_lead_time_monthly',
      'jira_time_in_status',
      'jira_time_in_status_summary',
      'pr_cycle_time',
      'pr_cycle_time_monthly',
      'record_changes_daily',
      'sei_contributor_counts',
      'sei_dora_buckets',
      'sei_dora_side_by_side',
      'sei_dora_trend',
      'sprint_velocity',
      'team_activity_monthly',
      'team_members',
      'test_results_by_job_monthly',
      'v2_business_alignment',
      'v2_dora',
      'v2_export_rows',
      'v2_metrics',
      'v2_productivity',
      'v2_sprints',
      'v2_time_in_status',
    ]);
    for (const view of views) expect(view.comment, view.name).toMatch(/\w{10,}/);
  });

  it('every example query of docs/bi-views.md runs, and every view is documented there', async () => {
    const doc = readFileSync(new URL('../../../docs/bi-views.md', import.meta.url), 'utf8');
    const blocks = [...doc.matchAll(/```sql\n([\s\S]*?)```/g)].map((match) => match[1]!);
    const statements = blocks.flatMap((block) =>
      block
        .split(/;\s*\n/)
        .map((statement) => statement.replace(/--.*$/gm, '').trim())
        .filter((statement) => statement !== ''),
    );
    expect(statements.length).toBeGreaterThan(16);
    for (const statement of statements) await sql.raw(statement.replace(/;$/, '')).execute(warehouse.db);
    const views = await rows<{ name: string }>(
      warehouse,
      `SELECT table_name AS name FROM information_schema.views WHERE table_schema = 'sei_bi'`,
    );
    for (const view of views) expect(doc, view.name).toContain(`### \`${view.name}\``);
  });

  it('pr_cycle_time: per pull request, deleted ones left out', async () => {
    const result = await rows<Record<string, unknown>>(
      warehouse,
      `SELECT pr_id, number, is_merged, hours_to_first_review, hours_review_to_merge, cycle_time_hours
       FROM sei_bi.pr_cycle_time ORDER BY pr_id`,
    );
    expect(numbers(result)).toEqual([
      {
        pr_id: 'pr-1',
        number: 1,
        is_merged: true,
        hours_to_first_review: 2,
        hours_review_to_merge: 8,
        cycle_time_hours: 10,
      },
      {
        pr_id: 'pr-2',
        number: 2,
        is_merged: true,
        hours_to_first_review: 4,
        hours_review_to_merge: 20,
        cycle_time_hours: 24,
      },
      {
        pr_id: 'pr-3',
        number: 3,
        is_merged: false,
        hours_to_first_review: null,
        hours_review_to_merge: null,
        cycle_time_hours: null,
      },
      {
        pr_id: 'pr-4',
        number: 4,
        is_merged: true,
        hours_to_first_review: 6,
        hours_review_to_merge: 30,
        cycle_time_hours: 36,
      },
    ]);
  });

  it('pr_cycle_time_monthly: by month of merge', async () => {
    const result = await rows<Record<string, unknown>>(
      warehouse,
      `SELECT to_char(month, 'YYYY-MM') AS month, merged_prs, reviewed_prs, avg_cycle_time_hours, median_cycle_time_hours,
         p90_cycle_time_hours, median_hours_to_first_review, median_hours_review_to_merge
       FROM sei_bi.pr_cycle_time_monthly ORDER BY month`,
    );
    // March: cycles 10 and 24 → avg = median 17, p90 = 10 + 0.9 × 14 = 22.6; first review 2, 4 → 3; review→merge 8, 20 → 14.
    expect(numbers(result)).toEqual([
      {
        month: '2026-03',
        merged_prs: 2,
        reviewed_prs: 2,
        avg_cycle_time_hours: 17,
        median_cycle_time_hours: 17,
        p90_cycle_time_hours: 22.6,
        median_hours_to_first_review: 3,
        median_hours_review_to_merge: 14,
      },
      {
        month: '2026-04',
        merged_prs: 1,
        reviewed_prs: 1,
        avg_cycle_time_hours: 36,
        median_cycle_time_hours: 36,
        p90_cycle_time_hours: 36,
        median_hours_to_first_review: 6,
        median_hours_review_to_merge: 30,
      },
    ]);
  });

  it('jira_lead_time and jira_lead_time_monthly', async () => {
    const perIssue = await rows<Record<string, unknown>>(
      warehouse,
      'SELECT issue_key, is_resolved, lead_time_days, lead_time_hours FROM sei_bi.jira_lead_time ORDER BY issue_key',
    );
    expect(numbers(perIssue)).toEqual([
      { issue_key: 'LEV-1', is_resolved: true, lead_time_days: 10, lead_time_hours: 240 },
      { issue_key: 'LEV-2', is_resolved: true, lead_time_days: 4, lead_time_hours: 96 },
      { issue_key: 'LEV-3', is_resolved: true, lead_time_days: 59, lead_time_hours: 1416 },
      { issue_key: 'LEV-4', is_resolved: false, lead_time_days: null, lead_time_hours: null },
    ]);
    const monthly = await rows<Record<string, unknown>>(
      warehouse,
      `SELECT to_char(month, 'YYYY-MM') AS month, resolved_issues, story_points_resolved, avg_lead_time_days,
         median_lead_time_days, p85_lead_time_days
       FROM sei_bi.jira_lead_time_monthly ORDER BY month`,
    );
    // March: 10 and 4 days → avg = median 7, p85 = 4 + 0.85 × 6 = 9.1; points 3 + 5.
    expect(numbers(monthly)).toEqual([
      {
        month: '2026-03',
        resolved_issues: 2,
        story_points_resolved: 8,
        avg_lead_time_days: 7,
        median_lead_time_days: 7,
        p85_lead_time_days: 9.1,
      },
      {
        month: '2026-04',
        resolved_issues: 1,
        story_points_resolved: 8,
        avg_lead_time_days: 59,
        median_lead_time_days: 59,
        p85_lead_time_days: 59,
      },
    ]);
  });

  it('jira_time_in_status and its summary', async () => {
    const perIssue = await rows<Record<string, unknown>>(
      warehouse,
      `SELECT issue_key, status, is_current, visits, hours_in_status FROM sei_bi.jira_time_in_status
       WHERE issue_key = 'LEV-1' ORDER BY first_entered_at`,
    );
    expect(numbers(perIssue)).toEqual([
      { issue_key: 'LEV-1', status: 'TODO', is_current: false, visits: 1, hours_in_status: 24 },
      { issue_key: 'LEV-1', status: 'IN PROGRESS', is_current: false, visits: 2, hours_in_status: 192 },
      { issue_key: 'LEV-1', status: 'IN REVIEW', is_current: false, visits: 1, hours_in_status: 24 },
      { issue_key: 'LEV-1', status: 'DONE', is_current: true, visits: 1, hours_in_status: 24 },
    ]);
    const summary = await rows<Record<string, unknown>>(
      warehouse,
      `SELECT status, issues, avg_hours_in_status, median_hours_in_status, p90_hours_in_status
       FROM sei_bi.jira_time_in_status_summary WHERE project = 'LEV' ORDER BY status`,
    );
    // TODO: 24, 24, 1416, 48 → avg 378, median 36, p90 = 48 + 0.7 × 1368 = 1005.6.
    // IN PROGRESS: 192, 72 → avg = median 132, p90 = 72 + 0.9 × 120 = 180.
    expect(numbers(summary)).toEqual([
      {
        status: 'DONE',
        issues: 3,
        avg_hours_in_status: 24,
        median_hours_in_status: 24,
        p90_hours_in_status: 24,
      },
      {
        status: 'IN PROGRESS',
        issues: 2,
        avg_hours_in_status: 132,
        median_hours_in_status: 132,
        p90_hours_in_status: 180,
      },
      {
        status: 'IN REVIEW',
        issues: 1,
        avg_hours_in_status: 24,
        median_hours_in_status: 24,
        p90_hours_in_status: 24,
      },
      {
        status: 'TODO',
        issues: 4,
        avg_hours_in_status: 378,
        median_hours_in_status: 36,
        p90_hours_in_status: 1005.6,
      },
    ]);
  });

  it('deployments: which runs count, their environment and outcome', async () => {
    const result = await rows<Record<string, unknown>>(
      warehouse,
      'SELECT job_run_id, environment, outcome FROM sei_bi.deployments ORDER BY job_run_id',
    );
    expect(result).toEqual([
      { job_run_id: 'd-1', environment: 'prod', outcome: 'success' },
      { job_run_id: 'd-2', environment: 'prod', outcome: 'failure' },
      { job_run_id: 'd-3', environment: 'prod', outcome: 'success' },
      { job_run_id: 'd-4', environment: 'prod', outcome: 'success' },
      { job_run_id: 'd-5', environment: 'staging', outcome: 'success' },
      { job_run_id: 'd-6', environment: 'prod', outcome: 'other' },
      { job_run_id: 'd-7', environment: 'prod', outcome: 'other' },
      { job_run_id: 'd-8', environment: 'prod', outcome: 'failure' },
      { job_run_id: 'd-9', environment: 'prod', outcome: 'success' },
    ]);
  });

  it('deployment_metrics_monthly: frequency and change failure rate', async () => {
    const result = await rows<Record<string, unknown>>(
      warehouse,
      `SELECT to_char(month, 'YYYY-MM') AS month, environment, deployments, successful_deployments, failed_deployments,
         deployment_days, successful_per_week, change_failure_rate
       FROM sei_bi.deployment_metrics_monthly ORDER BY month, environment`,
    );
    // March prod: 4 successes × 7 / 31 days = 0.90 a week; 1 failure of 5.
    expect(numbers(result)).toEqual([
      {
        month: '2026-03',
        environment: 'prod',
        deployments: 5,
        successful_deployments: 4,
        failed_deployments: 1,
        deployment_days: 3,
        successful_per_week: 0.9,
        change_failure_rate: 0.2,
      },
      {
        month: '2026-03',
        environment: 'staging',
        deployments: 1,
        successful_deployments: 1,
        failed_deployments: 0,
        deployment_days: 1,
        successful_per_week: 0.23,
        change_failure_rate: 0,
      },
      {
        month: '2026-04',
        environment: 'prod',
        deployments: 1,
        successful_deployments: 0,
        failed_deployments: 1,
        deployment_days: 0,
        successful_per_week: 0,
        change_failure_rate: 1,
      },
    ]);
  });

  it('deployment_metrics_by_job_monthly', async () => {
    const result = await rows<Record<string, unknown>>(
      warehouse,
      `SELECT job_name, environment, deployments, successful_deployments, failed_deployments, change_failure_rate,
         median_duration_minutes
       FROM sei_bi.deployment_metrics_by_job_monthly WHERE month = '2026-03-01' ORDER BY job_name, environment`,
    );
    // deploy-web: 10, 5, 20 min → median 10; deploy-api: D-4 only (aborted and running runs are not deployments).
    expect(numbers(result)).toEqual([
      {
        job_name: 'deploy-api',
        environment: 'prod',
        deployments: 1,
        successful_deployments: 1,
        failed_deployments: 0,
        change_failure_rate: 0,
        median_duration_minutes: 10,
      },
      {
        job_name: 'deploy-api-staging',
        environment: 'staging',
        deployments: 1,
        successful_deployments: 1,
        failed_deployments: 0,
        change_failure_rate: 0,
        median_duration_minutes: 1,
      },
      {
        job_name: 'deploy-web',
        environment: 'prod',
        deployments: 3,
        successful_deployments: 2,
        failed_deployments: 1,
        change_failure_rate: 0.3333,
        median_duration_minutes: 10,
      },
      {
        job_name: 'release-train',
        environment: 'prod',
        deployments: 1,
        successful_deployments: 1,
        failed_deployments: 0,
        change_failure_rate: 0,
        median_duration_minutes: 15,
      },
    ]);
  });

  it('contributor_identities lists each identity of each contributor', async () => {
    const result = await rows<Record<string, unknown>>(
      warehouse,
      `SELECT user_key, integration_id, integration_user_id FROM sei_bi.contributor_identities
       ORDER BY user_key, integration_id`,
    );
    expect(result).toEqual([
      { user_key: 'ext:378:712020:stranger', integration_id: '378', integration_user_id: '712020:stranger' },
      { user_key: 'u-alice', integration_id: '378', integration_user_id: '712020:alice' },
      { user_key: 'u-alice', integration_id: '4021', integration_user_id: 'alice-a' },
      { user_key: 'u-bob', integration_id: '4021', integration_user_id: 'bob-b' },
      { user_key: 'u-carol', integration_id: '4021', integration_user_id: 'carol-c' },
    ]);
  });

  it('contributor_activity_monthly: commits and PRs per contributor, unmapped identities kept apart', async () => {
    const result = await rows<Record<string, unknown>>(
      warehouse,
      `SELECT to_char(month, 'YYYY-MM') AS month, contributor_key, contributor, commits, commit_lines_added,
         commit_lines_deleted, prs_opened, prs_merged, merged_pr_lines_added
       FROM sei_bi.contributor_activity_monthly ORDER BY month, contributor_key`,
    );
    expect(numbers(result)).toEqual([
      {
        month: '2026-03',
        contributor_key: 'u-alice',
        contributor: 'Alice A',
        commits: 2,
        commit_lines_added: 150,
        commit_lines_deleted: 15,
        prs_opened: 2,
        prs_merged: 1,
        merged_pr_lines_added: 10,
      },
      {
        month: '2026-03',
        contributor_key: 'u-bob',
        contributor: 'Bob B',
        commits: 1,
        commit_lines_added: 20,
        commit_lines_deleted: 2,
        prs_opened: 1,
        prs_merged: 1,
        merged_pr_lines_added: 20,
      },
      {
        month: '2026-03',
        contributor_key: 'unmapped:4021:ext-dead',
        contributor: 'ext-dead',
        commits: 1,
        commit_lines_added: 1,
        commit_lines_deleted: 1,
        prs_opened: 1,
        prs_merged: 0,
        merged_pr_lines_added: 0,
      },
      {
        month: '2026-04',
        contributor_key: 'u-carol',
        contributor: 'Carol C',
        commits: 1,
        commit_lines_added: 7,
        commit_lines_deleted: 1,
        prs_opened: 0,
        prs_merged: 0,
        merged_pr_lines_added: 0,
      },
      {
        month: '2026-04',
        contributor_key: 'unmapped:4021:ext-dead',
        contributor: 'ext-dead',
        commits: 0,
        commit_lines_added: 0,
        commit_lines_deleted: 0,
        prs_opened: 0,
        prs_merged: 1,
        merged_pr_lines_added: 40,
      },
    ]);
  });

  it('team_members: direct members and members of units below, once each; deleted units left out', async () => {
    const result = await rows<{ team_id: string; members: string }>(
      warehouse,
      `SELECT team_id, string_agg(user_key || CASE WHEN direct_member THEN '*' ELSE '' END, ',' ORDER BY user_key) AS members
       FROM sei_bi.team_members GROUP BY team_id ORDER BY team_id`,
    );
    expect(result).toEqual([
      { team_id: '76', members: 'u-alice,u-bob,u-carol' },
      { team_id: '77', members: 'u-alice*,u-carol' },
      { team_id: '78', members: 'u-alice*,u-bob*' },
      { team_id: '79', members: 'u-carol*' },
    ]);
  });

  it('team_activity_monthly: each contribution once per team, through the collection tree', async () => {
    const result = await rows<Record<string, unknown>>(
      warehouse,
      `SELECT to_char(month, 'YYYY-MM') AS month, team_path, team_size, active_contributors, commits,
         commit_lines_added, prs_opened, prs_merged
       FROM sei_bi.team_activity_monthly ORDER BY month, team_path`,
    );
    expect(numbers(result)).toEqual([
      {
        month: '2026-03',
        team_path: '/All Teams',
        team_size: 3,
        active_contributors: 2,
        commits: 3,
        commit_lines_added: 170,
        prs_opened: 3,
        prs_merged: 2,
      },
      {
        month: '2026-03',
        team_path: '/All Teams/Backend',
        team_size: 2,
        active_contributors: 2,
        commits: 3,
        commit_lines_added: 170,
        prs_opened: 3,
        prs_merged: 2,
      },
      {
        month: '2026-03',
        team_path: '/All Teams/Frontend',
        team_size: 2,
        active_contributors: 1,
        commits: 2,
        commit_lines_added: 150,
        prs_opened: 2,
        prs_merged: 1,
      },
      {
        month: '2026-04',
        team_path: '/All Teams',
        team_size: 3,
        active_contributors: 1,
        commits: 1,
        commit_lines_added: 7,
        prs_opened: 0,
        prs_merged: 0,
      },
      {
        month: '2026-04',
        team_path: '/All Teams/Frontend',
        team_size: 2,
        active_contributors: 1,
        commits: 1,
        commit_lines_added: 7,
        prs_opened: 0,
        prs_merged: 0,
      },
      {
        month: '2026-04',
        team_path: '/All Teams/Frontend/Web',
        team_size: 1,
        active_contributors: 1,
        commits: 1,
        commit_lines_added: 7,
        prs_opened: 0,
        prs_merged: 0,
      },
    ]);
  });

  it('record_changes_daily: new, changed and deleted records per day and table, from the history', async () => {
    const result = await rows<Record<string, unknown>>(
      warehouse,
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, table_name, new_records, changed_records, deleted_records
       FROM sei_bi.record_changes_daily ORDER BY day, table_name`,
    );
    expect(numbers(result)).toEqual([
      {
        day: '2026-04-05',
        table_name: 'cicd_job_runs',
        new_records: 12,
        changed_records: 0,
        deleted_records: 0,
      },
      {
        day: '2026-04-05',
        table_name: 'jira_issues',
        new_records: 4,
        changed_records: 0,
        deleted_records: 0,
      },
      { day: '2026-04-05', table_name: 'org_units', new_records: 5, changed_records: 0, deleted_records: 0 },
      { day: '2026-04-05', table_name: 'org_users', new_records: 4, changed_records: 0, deleted_records: 0 },
      {
        day: '2026-04-05',
        table_name: 'scm_commits',
        new_records: 5,
        changed_records: 0,
        deleted_records: 0,
      },
      {
        day: '2026-04-05',
        table_name: 'scm_pull_requests',
        new_records: 5,
        changed_records: 0,
        deleted_records: 0,
      },
      {
        day: '2026-04-06',
        table_name: 'cicd_job_runs',
        new_records: 0,
        changed_records: 0,
        deleted_records: 1,
      },
      { day: '2026-04-06', table_name: 'org_units', new_records: 0, changed_records: 0, deleted_records: 1 },
      {
        day: '2026-04-06',
        table_name: 'scm_pull_requests',
        new_records: 0,
        changed_records: 1,
        deleted_records: 1,
      },
    ]);
  });

  it('as-of: pull requests as they were between the two syncs, and after', async () => {
    const titles = async (at: string) =>
      rows<{ id: string; title: string }>(
        warehouse,
        `SELECT id, raw->>'title' AS title FROM sei_history.scm_pull_requests_as_of('${at}') ORDER BY id`,
      );
    expect((await titles('2026-04-05T12:00:00Z')).map((row) => `${row.id}:${row.title}`)).toEqual([
      'pr-1:change pr-1',
      'pr-2:change pr-2',
      'pr-3:change pr-3',
      'pr-4:change pr-4',
      'pr-5:change pr-5',
    ]);
    expect((await titles('2026-04-06T00:00:00Z')).map((row) => `${row.id}:${row.title}`)).toEqual([
      'pr-1:change pr-1',
      'pr-2:change pr-2',
      'pr-3:retitled',
      'pr-4:change pr-4',
    ]);
  });

  it('data_freshness: last success, last run and checkpoint per stream; never-synced streams listed', async () => {
    const [r1, r2] = [randomUUID(), randomUUID()];
    await sql`INSERT INTO sei_sync.runs (id, trigger, streams, status, started_at, finished_at) VALUES
      (${r1}, 'test', ARRAY['jira_issues', 'scm_commits'], 'succeeded', '2026-03-01T00:00:00Z', '2026-03-01T00:05:00Z'),
      (${r2}, 'test', ARRAY['jira_issues'], 'failed', '2026-03-02T00:00:00Z', '2026-03-02T00:01:00Z')`.execute(
      warehouse.db,
    );
    await sql`INSERT INTO sei_sync.stream_runs (run_id, stream, status, started_at, finished_at, records, inserted, error_code) VALUES
      (${r1}, 'jira_issues', 'succeeded', '2026-03-01T00:00:00Z', '2026-03-01T00:05:00Z', 10, 10, NULL),
      (${r1}, 'scm_commits', 'succeeded', '2026-03-01T00:00:00Z', '2026-03-01T00:03:00Z', 5, 5, NULL),
      (${r2}, 'jira_issues', 'failed', '2026-03-02T00:00:00Z', '2026-03-02T00:01:00Z', 0, 0, 'SEI_ERR_AUTH')`.execute(
      warehouse.db,
    );
    await sql`INSERT INTO sei_sync.checkpoints (stream, cursor, last_complete_walk_at, walk_id, next_page) VALUES
      ('jira_issues', '2026-03-01T00:00:00Z', '2026-03-01T00:05:00Z', NULL, NULL),
      ('scm_commits', NULL, NULL, ${randomUUID()}, 3)`.execute(warehouse.db);
    const result = await rows<Record<string, unknown>>(
      warehouse,
      `SELECT stream, to_char(last_success_at AT TIME ZONE 'UTC', 'MM-DD HH24:MI') AS last_success, successful_runs,
         last_status, last_error_code, to_char(checkpoint_cursor AT TIME ZONE 'UTC', 'MM-DD HH24:MI') AS cursor,
         walk_in_progress, walk_next_page, hours_since_success IS NOT NULL AS has_age
       FROM sei_bi.data_freshness ORDER BY stream`,
    );
    const byStream = Object.fromEntries(numbers(result).map((row) => [row.stream, row]));
    expect(Object.keys(byStream).sort()).toEqual(Object.keys(STREAMS).sort());
    expect(byStream.jira_issues).toEqual({
      stream: 'jira_issues',
      last_success: '03-01 00:05',
      successful_runs: 1,
      last_status: 'failed',
      last_error_code: 'SEI_ERR_AUTH',
      cursor: '03-01 00:00',
      walk_in_progress: false,
      walk_next_page: null,
      has_age: true,
    });
    expect(byStream.scm_commits).toMatchObject({
      last_status: 'succeeded',
      walk_in_progress: true,
      walk_next_page: 3,
    });
    expect(byStream.integrations).toEqual({
      stream: 'integrations',
      last_success: null,
      successful_runs: 0,
      last_status: null,
      last_error_code: null,
      cursor: null,
      walk_in_progress: false,
      walk_next_page: null,
      has_age: false,
    });
  });
});
