/**
 * The sei_bi views of migration 011 on a small hand-built dataset (records shaped like the research
 * examples, written through the stream normalizers and writePage with history), each view checked
 * against numbers worked out by hand in the comments, on PostgreSQL and on the embedded PGlite.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeiRecord } from '../../../src/extract/sei/types.js';
import type { Warehouse } from '../../../src/state/open.js';
import { STREAMS } from '../../../src/streams/registry.js';
import { numericRows } from '../../support/numeric-rows.js';
import { openTestWarehouse, type TestWarehouse, WAREHOUSE_KINDS } from '../../support/warehouses.js';
import { writeRecords } from '../../support/write-records.js';

const HOUR = 3600;
const DAY = 86_400;
/** Epoch seconds. */
const MAR_1 = Date.UTC(2026, 2, 1) / 1000;
const APR_1 = Date.UTC(2026, 3, 1) / 1000;
const mar = (day: number, hour = 0) => MAR_1 + (day - 1) * DAY + hour * HOUR;
const MS = (seconds: number) => seconds * 1000;
const SYNC = new Date('2026-04-05T00:00:00Z');

const sprint = (
  integration: number,
  id: number,
  state: string,
  start: number,
  end: number,
  done: number,
) => ({
  id: `sprint-${integration}-${id}`,
  sprint_id: id,
  name: `Sprint ${id}`,
  integration_id: integration,
  state,
  start_date: start,
  end_date: end,
  complete_date: done,
});

// 401 closed (2-16 Mar, completed 16 Mar 10:00), 402 active (from 16 Mar 12:00, planned to 30 Mar),
// 403 planned. Jira site 379 also has a sprint 401, with no issues (same id, other site).
const SPRINTS = [
  sprint(378, 401, 'CLOSED', mar(2), mar(16), mar(16, 10)),
  sprint(378, 402, 'ACTIVE', mar(16, 12), mar(30), 0),
  sprint(378, 403, 'FUTURE', 0, mar(30) + 14 * DAY, 0),
  sprint(379, 401, 'CLOSED', mar(2), mar(16), mar(16, 10)),
];

const issue = (
  key: string,
  created: number,
  resolved: number,
  points: number | undefined,
  sprints: number[],
) => ({
  key,
  integration_id: '378',
  project: 'LEV',
  summary: key,
  status: resolved ? 'DONE' : 'TODO',
  ...(points === undefined ? {} : { story_points: points }),
  issue_created_at: created,
  issue_updated_at: created + HOUR,
  issue_resolved_at: resolved,
  sprint_ids: sprints,
});

// Sprint 401: LEV-10 committed 3 points, done; LEV-11 committed 5, resolved 20 Mar (after 401, carried
// into 402); LEV-12 added after the start, 2 points, done; LEV-13 committed, no points, open.
//   items 4, points 10, committed 3 items / 8 points, added 1 / 2, completed 2 / 5 points,
//   completed committed 3 points, ratio 3 / 8 = 0.375, not completed 2.
// Sprint 402: LEV-11 (committed: created before 402 started) done 20 Mar; LEV-14 added, 1 point, open.
//   items 2, points 6, committed 1 / 5, added 1 / 1, completed 1 / 5, ratio 5 / 5 = 1.
const ISSUES = [
  issue('LEV-10', mar(1) - 5 * DAY, mar(10), 3, [401]),
  issue('LEV-11', mar(1), mar(20), 5, [401, 402]),
  issue('LEV-12', mar(5), mar(12), 2, [401]),
  issue('LEV-13', mar(1) - 2 * DAY, 0, undefined, [401]),
  issue('LEV-14', mar(18), 0, 1, [402]),
];

// Azure DevOps "Sprint 7" (2-16 Mar): 1001 planned before the start (3 points, done 10 Mar), 1002
// added 4 Mar (no points, open). items 2, points 3, committed 1 / 3, added 1 / 0, completed 1 / 3, ratio 1.
const ITERATIONS = [
  {
    id: 'iteration-7',
    sprint_id: 'ado-guid-7',
    parent_sprint: 'Contoso\\Release 2024',
    name: 'Sprint 7',
    integration_id: 5122,
    project_id: 'ado-project',
    state: 'past',
    start_date: mar(2),
    end_date: mar(16),
    completed_date: mar(16),
  },
];
const workitem = (id: string, created: number, resolved: number, points: number) => ({
  id: `wi-${id}`,
  workitem_id: id,
  integration_id: '5122',
  project: 'contoso/Payments',
  summary: id,
  story_points: points,
  workitem_created_at: created,
  workitem_updated_at: created + HOUR,
  workitem_resolved_at: resolved,
  sprint_full_names: ['Contoso\\Release 2024\\Sprint 7'],
});
const WORKITEMS = [workitem('1001', mar(1), mar(10), 3), workitem('1002', mar(4), 0, 0)];

const incident = (
  id: string,
  service: string,
  created: number,
  urgency: string,
  acknowledgedAfter: number | undefined,
  resolvedAfter: number | undefined,
) => ({
  id,
  pd_service_id: `svc-${service}`,
  pd_id: id.toUpperCase(),
  summary: `trouble on ${service}`,
  urgency,
  priority: id === 'i-2' ? '' : 'P2',
  status: resolvedAfter === undefined ? 'triggered' : 'resolved',
  created_at: MS(created),
  updated_at: created,
  service_name: service,
  integration_id: '8101',
  incident_acknowledged_at: acknowledgedAfter === undefined ? 0 : MS(created + acknowledgedAfter),
  ...(resolvedAfter === undefined ? {} : { incident_resolved_at: MS(created + resolvedAfter) }),
  user_ids: [],
  details: {},
});

// March, checkout-api: 4 incidents (2 high), 3 resolved in 2 h, 6 h and 4 h: MTTR 4.00 h, median 4.00,
// p90 = 4 + 0.8 * (6 - 4) = 5.60; acknowledged after 10 and 30 min (I-3 never): mean 20.00 min.
// April, payments-api: 1 incident, acknowledged after 5 min, resolved after 1 h.
const INCIDENTS = [
  incident('i-1', 'checkout-api', mar(1, 10), 'high', 10 * 60, 2 * HOUR),
  incident('i-2', 'checkout-api', mar(5), 'low', 30 * 60, 6 * HOUR),
  incident('i-3', 'checkout-api', mar(20), 'low', undefined, 4 * HOUR),
  incident('i-4', 'checkout-api', mar(25), 'high', undefined, undefined),
  incident('i-5', 'payments-api', APR_1 + DAY, 'high', 5 * 60, HOUR),
];
const alert = (id: string, incidentId: string) => ({
  id,
  incident_id: incidentId,
  pd_service_id: 'svc-checkout-api',
  status: 'resolved',
  severity: 'critical',
  created_at: MS(mar(1, 10)),
  integration_id: '8101',
});
const ALERTS = [alert('a-1', 'i-1'), alert('a-2', 'i-1'), alert('a-3', 'i-2')];

// Job ci/api-build/main, runs r-1..r-4 ending 2-5 Mar, r-5 ending 2 Apr. Outcomes per test, in run order:
// stable P P P P (P); flaky P F P F (3 flips: flaky); fixed P F F P (2 flips: broke and was fixed, not
// flaky); late S P P P (skipped first). March: 4 runs, 16 results, 11 passed, 4 failed, 1 skipped,
// pass rate 11 / 15 = 0.7333, 15 × 1.5 s = 22.5 s = 0.38 min. April: 1 run, 1 result, passed, rate 1.
const OUTCOMES: Record<string, string[]> = {
  stable: ['PASSED', 'PASSED', 'PASSED', 'PASSED', 'PASSED'],
  flaky: ['PASSED', 'FAILED', 'PASSED', 'FAILED'],
  fixed: ['PASSED', 'FAILED', 'FAILED', 'PASSED'],
  late: ['SKIPPED', 'PASSED', 'PASSED', 'PASSED'],
};
const RUN_ENDS = [mar(2), mar(3), mar(4), mar(5), APR_1 + DAY];
const TESTS: SeiRecord[] = Object.entries(OUTCOMES).flatMap(([name, outcomes]) =>
  outcomes.map((status, run) => ({
    id: `t-${name}-${run}`,
    cicd_job_run_id: `r-${run + 1}`,
    test_suite: 'com.acme.ApiTest',
    test_name: `com.acme.ApiTest.${name}`,
    status,
    duration: status === 'SKIPPED' ? 0 : 1.5,
    job_name: 'api-build',
    job_normalized_full_name: 'ci/api-build/main',
    job_status: 'SUCCESS',
    start_time: MS((RUN_ENDS[run] as number) - 600),
    end_time: MS(RUN_ENDS[run] as number),
  })),
);

const INTEGRATIONS = [
  { id: '4021', name: 'GitHub', application: 'github', updated_at: mar(1) },
  { id: '378', name: 'Jira Cloud', application: 'jira', updated_at: mar(1) },
];
const USERS = [
  {
    id: 'u-alice',
    full_name: 'Alice A',
    email: 'alice@example.com',
    integration_user_ids: [
      { integration_id: '4021', user_id: 'alice-a' },
      { integration_id: '378', user_id: '712020:alice' },
    ],
  },
  { id: 'u-bob', full_name: 'Bob B', email: 'bob@example.com', integration_user_ids: [] },
];
// id-1 and id-2 are Alice's by integration_user_ids; id-3 is Bob's by email (any case); id-4 nobody's.
const IDENTITIES = [
  { id: 'id-1', integration_id: '4021', cloudId: 'alice-a', display_name: 'Alice A', email: [] },
  { id: 'id-2', integration_id: '378', cloudId: '712020:alice', display_name: 'Alice', email: [] },
  { id: 'id-3', integration_id: '6011', cloudId: 'bob.b', display_name: 'bob.b', email: ['Bob@Example.com'] },
  {
    id: 'id-4',
    integration_id: '4021',
    cloudId: 'ghost',
    display_name: 'Ghost',
    email: ['ghost@example.com'],
  },
].map((identity) => ({ ...identity, mapping_status: 'auto', created_at: mar(1), updated_at: mar(1) }));

// Site 378 names two of its custom fields; site 379 names none (names never cross sites).
const FIELDS = [
  {
    id: '1',
    integration_id: '378',
    name: 'Sprint',
    custom: true,
    field_key: 'customfield_10020',
    field_type: 'array',
  },
  {
    id: '2',
    integration_id: '378',
    name: 'Story Points',
    custom: true,
    field_key: 'customfield_10030',
    field_type: 'number',
  },
];
const CUSTOM_ISSUES = [
  {
    key: 'CF-1',
    integration_id: '378',
    project: 'CF',
    issue_created_at: mar(1),
    issue_updated_at: mar(1),
    custom_fields: {
      customfield_10020: ['Sprint 1', 'Sprint 2'],
      customfield_10030: '3.0',
      customfield_99999: { value: 'x' },
    },
  },
  {
    key: 'CF-2',
    integration_id: '379',
    project: 'CF',
    issue_created_at: mar(1),
    issue_updated_at: mar(1),
    custom_fields: { customfield_10030: 8 },
  },
];

/** A sprint without items: every count 0, no ratio. */
const NO_ITEMS = {
  items: 0,
  points: 0,
  committed_items: 0,
  committed_points: 0,
  added_items: 0,
  added_points: 0,
  completed_items: 0,
  completed_points: 0,
  completed_committed_points: 0,
  commitment_completion_ratio: null,
  not_completed_items: 0,
};

describe.each(WAREHOUSE_KINDS)('sei_bi views over the streams of issue 14 (%s)', (kind) => {
  let test: TestWarehouse;
  let warehouse: Warehouse;

  beforeAll(async () => {
    test = await openTestWarehouse(kind);
    warehouse = test.warehouse;
    const run = randomUUID();
    const write = (stream: keyof typeof STREAMS, records: readonly SeiRecord[]) =>
      writeRecords(warehouse, STREAMS[stream], records, SYNC, run);
    await write('jira_sprints', SPRINTS);
    await write('jira_issues', [...ISSUES, ...CUSTOM_ISSUES]);
    await write('workitem_sprints', ITERATIONS);
    await write('workitems', WORKITEMS);
    await write('pagerduty_incidents', INCIDENTS);
    await write('pagerduty_alerts', ALERTS);
    await write('cicd_job_run_tests', TESTS);
    await write('integrations', INTEGRATIONS);
    await write('org_users', USERS);
    await write('user_identities', IDENTITIES);
    await write('jira_fields', FIELDS);
  });
  afterAll(async () => {
    await test?.close();
  });

  it('sprint_velocity: commitment vs. completion per Jira sprint and Azure DevOps iteration', async () => {
    expect(
      await numericRows(
        warehouse,
        `SELECT source, integration_id, sprint_id, state, items, points, committed_items, committed_points,
           added_items, added_points, completed_items, completed_points, completed_committed_points,
           commitment_completion_ratio, not_completed_items
         FROM sei_bi.sprint_velocity ORDER BY source, integration_id, sprint_id`,
      ),
    ).toEqual([
      {
        source: 'azure_devops',
        integration_id: 5122,
        sprint_id: 'ado-guid-7',
        state: 'past',
        items: 2,
        points: 3,
        committed_items: 1,
        committed_points: 3,
        added_items: 1,
        added_points: 0,
        completed_items: 1,
        completed_points: 3,
        completed_committed_points: 3,
        commitment_completion_ratio: 1,
        not_completed_items: 1,
      },
      {
        source: 'jira',
        integration_id: 378,
        sprint_id: 401,
        state: 'CLOSED',
        items: 4,
        points: 10,
        committed_items: 3,
        committed_points: 8,
        added_items: 1,
        added_points: 2,
        completed_items: 2,
        completed_points: 5,
        completed_committed_points: 3,
        commitment_completion_ratio: 0.375,
        not_completed_items: 2,
      },
      {
        source: 'jira',
        integration_id: 378,
        sprint_id: 402,
        state: 'ACTIVE',
        items: 2,
        points: 6,
        committed_items: 1,
        committed_points: 5,
        added_items: 1,
        added_points: 1,
        completed_items: 1,
        completed_points: 5,
        completed_committed_points: 5,
        commitment_completion_ratio: 1,
        not_completed_items: 1,
      },
      {
        source: 'jira',
        integration_id: 378,
        sprint_id: 403,
        state: 'FUTURE',
        ...NO_ITEMS,
      },
      {
        source: 'jira',
        integration_id: 379,
        sprint_id: 401,
        state: 'CLOSED',
        ...NO_ITEMS,
      },
    ]);
  });

  it('incidents and incident_metrics_monthly: volume, time to acknowledge and MTTR by service and month', async () => {
    expect(
      await numericRows(
        warehouse,
        `SELECT incident_id, service, priority, minutes_to_acknowledge, hours_to_resolve, alerts
         FROM sei_bi.incidents ORDER BY incident_id`,
      ),
    ).toEqual([
      {
        incident_id: 'i-1',
        service: 'checkout-api',
        priority: 'P2',
        minutes_to_acknowledge: 10,
        hours_to_resolve: 2,
        alerts: 2,
      },
      {
        incident_id: 'i-2',
        service: 'checkout-api',
        priority: null,
        minutes_to_acknowledge: 30,
        hours_to_resolve: 6,
        alerts: 1,
      },
      {
        incident_id: 'i-3',
        service: 'checkout-api',
        priority: 'P2',
        minutes_to_acknowledge: null,
        hours_to_resolve: 4,
        alerts: 0,
      },
      {
        incident_id: 'i-4',
        service: 'checkout-api',
        priority: 'P2',
        minutes_to_acknowledge: null,
        hours_to_resolve: null,
        alerts: 0,
      },
      {
        incident_id: 'i-5',
        service: 'payments-api',
        priority: 'P2',
        minutes_to_acknowledge: 5,
        hours_to_resolve: 1,
        alerts: 0,
      },
    ]);
    expect(
      await numericRows(
        warehouse,
        `SELECT to_char(month, 'YYYY-MM') AS month, service, incidents, high_urgency, resolved,
           mean_minutes_to_acknowledge, mttr_hours, median_hours_to_resolve, p90_hours_to_resolve
         FROM sei_bi.incident_metrics_monthly ORDER BY month, service`,
      ),
    ).toEqual([
      {
        month: '2026-03',
        service: 'checkout-api',
        incidents: 4,
        high_urgency: 2,
        resolved: 3,
        mean_minutes_to_acknowledge: 20,
        mttr_hours: 4,
        median_hours_to_resolve: 4,
        p90_hours_to_resolve: 5.6,
      },
      {
        month: '2026-04',
        service: 'payments-api',
        incidents: 1,
        high_urgency: 1,
        resolved: 1,
        mean_minutes_to_acknowledge: 5,
        mttr_hours: 1,
        median_hours_to_resolve: 1,
        p90_hours_to_resolve: 1,
      },
    ]);
  });

  it('test_results_by_job_monthly and flaky_tests: pass rate, and tests whose outcome keeps flipping', async () => {
    expect(
      await numericRows(
        warehouse,
        `SELECT to_char(month, 'YYYY-MM') AS month, job_normalized_full_name, runs, tests, passed, failed, skipped,
           pass_rate, test_minutes
         FROM sei_bi.test_results_by_job_monthly ORDER BY month`,
      ),
    ).toEqual([
      {
        month: '2026-03',
        job_normalized_full_name: 'ci/api-build/main',
        runs: 4,
        tests: 16,
        passed: 11,
        failed: 4,
        skipped: 1,
        pass_rate: 0.7333,
        test_minutes: 0.38,
      },
      {
        month: '2026-04',
        job_normalized_full_name: 'ci/api-build/main',
        runs: 1,
        tests: 1,
        passed: 1,
        failed: 0,
        skipped: 0,
        pass_rate: 1,
        test_minutes: 0.03,
      },
    ]);
    expect(
      await numericRows(
        warehouse,
        `SELECT test_name, executions, passed, failed, failure_rate, flips, is_flaky
         FROM sei_bi.flaky_tests ORDER BY test_name`,
      ),
    ).toEqual([
      {
        test_name: 'com.acme.ApiTest.fixed',
        executions: 4,
        passed: 2,
        failed: 2,
        failure_rate: 0.5,
        flips: 2,
        is_flaky: false,
      },
      {
        test_name: 'com.acme.ApiTest.flaky',
        executions: 4,
        passed: 2,
        failed: 2,
        failure_rate: 0.5,
        flips: 3,
        is_flaky: true,
      },
    ]);
  });

  it('identities: each user id with its name, email, tool and org user (by integration id, else by email)', async () => {
    expect(
      await numericRows(
        warehouse,
        `SELECT user_id, application, cloud_id, display_name, email, org_user_key, org_user_name, matched_by
         FROM sei_bi.identities ORDER BY user_id`,
      ),
    ).toEqual([
      {
        user_id: 'id-1',
        application: 'github',
        cloud_id: 'alice-a',
        display_name: 'Alice A',
        email: null,
        org_user_key: 'u-alice',
        org_user_name: 'Alice A',
        matched_by: 'integration_user_id',
      },
      {
        user_id: 'id-2',
        application: 'jira',
        cloud_id: '712020:alice',
        display_name: 'Alice',
        email: null,
        org_user_key: 'u-alice',
        org_user_name: 'Alice A',
        matched_by: 'integration_user_id',
      },
      {
        user_id: 'id-3',
        application: null,
        cloud_id: 'bob.b',
        display_name: 'bob.b',
        email: 'Bob@Example.com',
        org_user_key: 'u-bob',
        org_user_name: 'Bob B',
        matched_by: 'email',
      },
      {
        user_id: 'id-4',
        application: 'github',
        cloud_id: 'ghost',
        display_name: 'Ghost',
        email: 'ghost@example.com',
        org_user_key: null,
        org_user_name: null,
        matched_by: null,
      },
    ]);
  });

  it('jira_issue_custom_fields: custom field keys named from jira_fields of the same site', async () => {
    expect(
      await numericRows(
        warehouse,
        `SELECT issue_key, field_key, field_name, field_type, is_named, value_text
         FROM sei_bi.jira_issue_custom_fields WHERE project = 'CF' ORDER BY issue_key, field_key`,
      ),
    ).toEqual([
      {
        issue_key: 'CF-1',
        field_key: 'customfield_10020',
        field_name: 'Sprint',
        field_type: 'array',
        is_named: true,
        value_text: 'Sprint 1, Sprint 2',
      },
      {
        issue_key: 'CF-1',
        field_key: 'customfield_10030',
        field_name: 'Story Points',
        field_type: 'number',
        is_named: true,
        value_text: 3,
      },
      {
        issue_key: 'CF-1',
        field_key: 'customfield_99999',
        field_name: 'customfield_99999',
        field_type: null,
        is_named: false,
        value_text: '{"value": "x"}',
      },
      {
        issue_key: 'CF-2',
        field_key: 'customfield_10030',
        field_name: 'customfield_10030',
        field_type: null,
        is_named: false,
        value_text: 8,
      },
    ]);
  });

  it('record_changes_daily counts the new history tables too', async () => {
    expect(
      await numericRows(
        warehouse,
        `SELECT table_name, new_records FROM sei_bi.record_changes_daily
         WHERE table_name IN ('jira_sprints', 'pagerduty_incidents', 'user_identities') ORDER BY table_name`,
      ),
    ).toEqual([
      { table_name: 'jira_sprints', new_records: 4 },
      { table_name: 'pagerduty_incidents', new_records: 5 },
      { table_name: 'user_identities', new_records: 4 },
    ]);
  });
});
