/**
 * `sei_bi` views over the streams of migration 008 (docs/bi-views.md has an example query for each):
 *
 * - sprint_velocity: per Jira sprint and Azure DevOps iteration, commitment vs. completion;
 * - incidents, incident_metrics_monthly: PagerDuty incident volume, time to acknowledge and MTTR;
 * - test_results_by_job_monthly, flaky_tests: CI/CD test pass rate and flaky tests by job;
 * - identities: each user id of an integration with its name, email and org user;
 * - jira_issue_custom_fields: Jira custom field values with the fields' names.
 *
 * `record_changes_daily` (migration 004) also counts the history tables of migration 008, and
 * `data_freshness` (migration 007) always lists the streams of 008 (same columns, CREATE OR REPLACE;
 * down restores the definitions before).
 *
 * Conventions as in 004: rows marked deleted are left out, months are UTC calendar months (a date),
 * durations are numeric in the unit their name says, rounded to 2 decimals (ratios to 4).
 * Frozen SQL, run as one `DO` block (./run-statements.ts); no extensions.
 */
import type { Kysely } from 'kysely';
import { recordChangesOf, VIEWS as VIEWS_004 } from './004_bi_views.js';
import { freshnessView, STREAMS as STREAMS_007 } from './007_renormalize.js';
import { SYNC_RUNS_NOT_VERIFY } from './010_verify.js';
import { runStatements } from './run-statements.js';

/** First of the month, UTC, as a date. */
const month = (instant: string) => `date_trunc('month', ${instant} AT TIME ZONE 'UTC')::date`;
const seconds = (from: string, to: string) => `extract(epoch FROM ${to} - ${from})`;
const median = (expression: string) =>
  `round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ${expression}))::numeric, 2)`;
const ratio = (part: string, whole: string) =>
  `round((${part})::numeric / nullif((${whole})::numeric, 0), 4)`;

/** The history tables of migration 008 and their key columns, frozen as of this migration. */
const HISTORY_TABLES_008: readonly (readonly [name: string, keys: string])[] = [
  ['jira_sprints', 'h.integration_id, h.sprint_id'],
  ['jira_fields', 'h.integration_id, h.field_key'],
  ['jira_projects', 'h.integration_id, h.cloud_id'],
  ['workitem_sprints', 'h.integration_id, h.sprint_id'],
  ['user_identities', 'h.id'],
  ['scm_issues', 'h.integration_id, h.repo_id, h.project, h.issue_id'],
  ['cicd_job_run_tests', 'h.id'],
  ['cicd_instances', 'h.id'],
  ['cicd_jobs', 'h.id'],
  ['pagerduty_incidents', 'h.id'],
  ['pagerduty_alerts', 'h.id'],
  ['products', 'h.id'],
  ['workflow_profiles', 'h.id'],
];

const VIEWS: readonly { name: string; body: string; comment: string }[] = [
  {
    name: 'sprint_velocity',
    comment:
      'One row per sprint (not deleted): Jira sprints (source jira, items = issues whose sprint_ids hold it) and Azure DevOps iterations (source azure_devops, items = work items whose sprint_full_names hold parent_sprint\\name). committed = items created by the sprint start; added = created after it; completed = resolved by the sprint end (completed_at, else the planned end); velocity = completed_points; commitment_completion_ratio = completed committed points / committed points. An item carried over is in both sprints, completed in the later one.',
    body: `
WITH items AS (
  SELECT 'jira'::text AS source, s.integration_id, s.sprint_id, s.name AS sprint_name, s.state,
    s.started_at, s.planned_end_at, s.completed_at,
    i.issue_key AS item_key, i.story_points AS points, i.issue_created_at AS created_at, i.issue_resolved_at AS resolved_at
  FROM sei.jira_sprints s
  LEFT JOIN sei.jira_issues i ON i.deleted_at IS NULL AND i.integration_id = s.integration_id
    AND s.sprint_id = ANY (i.sprint_ids)
  WHERE s.deleted_at IS NULL
  UNION ALL
  SELECT 'azure_devops', s.integration_id, s.sprint_id, s.name, s.state,
    s.start_date, s.end_date, s.completed_date,
    w.workitem_id, w.story_points, w.workitem_created_at, w.workitem_resolved_at
  FROM sei.workitem_sprints s
  LEFT JOIN sei.workitems w ON w.deleted_at IS NULL AND w.integration_id = s.integration_id
    AND s.parent_sprint || '\\' || s.name = ANY (w.sprint_full_names)
  WHERE s.deleted_at IS NULL
), judged AS (
  SELECT items.*,
    created_at <= started_at AS committed,
    resolved_at IS NOT NULL AND resolved_at <= coalesce(completed_at, planned_end_at) AS done
  FROM items
)
SELECT source, integration_id, sprint_id, sprint_name, state, started_at, planned_end_at, completed_at,
  count(item_key) AS items,
  coalesce(sum(points), 0) AS points,
  count(item_key) FILTER (WHERE committed) AS committed_items,
  coalesce(sum(points) FILTER (WHERE committed), 0) AS committed_points,
  count(item_key) FILTER (WHERE NOT committed) AS added_items,
  coalesce(sum(points) FILTER (WHERE NOT committed), 0) AS added_points,
  count(item_key) FILTER (WHERE done) AS completed_items,
  coalesce(sum(points) FILTER (WHERE done), 0) AS completed_points,
  coalesce(sum(points) FILTER (WHERE done AND committed), 0) AS completed_committed_points,
  ${ratio('sum(points) FILTER (WHERE done AND committed)', 'sum(points) FILTER (WHERE committed)')} AS commitment_completion_ratio,
  count(item_key) FILTER (WHERE NOT done) AS not_completed_items
FROM judged
GROUP BY source, integration_id, sprint_id, sprint_name, state, started_at, planned_end_at, completed_at`,
  },
  {
    name: 'incidents',
    comment:
      'One row per PagerDuty incident (not deleted): service, urgency, priority (NULL when none), status, when it was raised, acknowledged and resolved; minutes_to_acknowledge and hours_to_resolve from its creation (NULL until it happens); alerts grouped into it.',
    body: `
SELECT i.id AS incident_id, i.integration_id, i.pd_service_id, coalesce(i.service_name, i.pd_service_id) AS service,
  i.pd_id, i.summary, i.urgency, nullif(i.priority, '') AS priority, i.status,
  i.created_at, i.acknowledged_at, i.resolved_at,
  round(${seconds('i.created_at', 'i.acknowledged_at')} / 60, 2) AS minutes_to_acknowledge,
  round(${seconds('i.created_at', 'i.resolved_at')} / 3600, 2) AS hours_to_resolve,
  (SELECT count(*) FROM sei.pagerduty_alerts a WHERE a.incident_id = i.id AND a.deleted_at IS NULL) AS alerts
FROM sei.pagerduty_incidents i
WHERE i.deleted_at IS NULL`,
  },
  {
    name: 'incident_metrics_monthly',
    comment:
      'Per calendar month (UTC) of creation and service, from sei_bi.incidents: incident volume (all, high urgency, resolved), mean time to acknowledge in minutes, and MTTR (mean time to resolve, the fourth DORA metric) with its median and 90th percentile in hours, over the incidents resolved.',
    body: `
SELECT ${month('i.created_at')} AS month, i.service,
  count(*) AS incidents,
  count(*) FILTER (WHERE i.urgency = 'high') AS high_urgency,
  count(i.resolved_at) AS resolved,
  round(avg(${seconds('i.created_at', 'i.acknowledged_at')}) / 60, 2) AS mean_minutes_to_acknowledge,
  round(avg(${seconds('i.created_at', 'i.resolved_at')}) / 3600, 2) AS mttr_hours,
  ${median(`${seconds('i.created_at', 'i.resolved_at')} / 3600`)} AS median_hours_to_resolve,
  round((percentile_cont(0.9) WITHIN GROUP (ORDER BY ${seconds('i.created_at', 'i.resolved_at')} / 3600))::numeric, 2) AS p90_hours_to_resolve
FROM sei_bi.incidents i
GROUP BY 1, 2`,
  },
  {
    name: 'test_results_by_job_monthly',
    comment:
      'Per calendar month (UTC) of the run end and CI/CD job: job runs that reported tests, test results, passed / failed / skipped, pass_rate = passed / (passed + failed), and test_minutes (time spent in tests).',
    body: `
SELECT ${month('t.end_time')} AS month, t.job_normalized_full_name, t.job_name,
  count(DISTINCT t.cicd_job_run_id) AS runs,
  count(*) AS tests,
  count(*) FILTER (WHERE t.status = 'PASSED') AS passed,
  count(*) FILTER (WHERE t.status = 'FAILED') AS failed,
  count(*) FILTER (WHERE t.status = 'SKIPPED') AS skipped,
  ${ratio("count(*) FILTER (WHERE t.status = 'PASSED')", "count(*) FILTER (WHERE t.status IN ('PASSED', 'FAILED'))")} AS pass_rate,
  round((sum(t.duration_seconds) / 60)::numeric, 2) AS test_minutes
FROM sei.cicd_job_run_tests t
WHERE t.deleted_at IS NULL AND t.end_time IS NOT NULL
GROUP BY 1, 2, 3`,
  },
  {
    name: 'flaky_tests',
    comment:
      'Per CI/CD job and test that both passed and failed: executions (passed or failed), failures, failure_rate, flips = outcome changes from one run of the job to the next (by run end), last failure. is_flaky: at least 3 flips (a test that broke once and was fixed flips twice).',
    body: `
WITH executions AS (
  SELECT t.job_normalized_full_name, t.job_name, t.test_suite, t.test_name, t.status, t.end_time,
    lag(t.status) OVER (
      PARTITION BY t.job_normalized_full_name, t.test_name ORDER BY t.end_time, t.cicd_job_run_id
    ) AS previous_status
  FROM sei.cicd_job_run_tests t
  WHERE t.deleted_at IS NULL AND t.status IN ('PASSED', 'FAILED')
), per_test AS (
  SELECT job_normalized_full_name, max(job_name) AS job_name, max(test_suite) AS test_suite, test_name,
    count(*) AS executions,
    count(*) FILTER (WHERE status = 'PASSED') AS passed,
    count(*) FILTER (WHERE status = 'FAILED') AS failed,
    count(*) FILTER (WHERE previous_status IS NOT NULL AND previous_status <> status) AS flips,
    max(end_time) FILTER (WHERE status = 'FAILED') AS last_failed_at
  FROM executions
  GROUP BY job_normalized_full_name, test_name
)
SELECT job_normalized_full_name, job_name, test_suite, test_name, executions, passed, failed,
  ${ratio('failed', 'executions')} AS failure_rate, flips, flips >= 3 AS is_flaky, last_failed_at
FROM per_test
WHERE passed > 0 AND failed > 0`,
  },
  {
    name: 'identities',
    comment:
      "One row per user identity of an integration (not deleted): user_id is SEI's id that pull requests, commits and issues carry (creator_id, author_id, assignee_id); cloud_id the user's id in the tool; display name and first email; the org user (contributor) it belongs to, found by integration_user_ids (matched_by integration_user_id), else by email (matched_by email), else NULL.",
    body: `
SELECT u.id AS user_id, u.integration_id, ig.application, ig.name AS integration_name, u.cloud_id,
  u.display_name, u.emails[1] AS email, u.mapping_status,
  coalesce(by_id.user_key, by_email.user_key) AS org_user_key,
  coalesce(by_id.id, by_email.id) AS org_user_id,
  coalesce(by_id.full_name, by_email.full_name) AS org_user_name,
  coalesce(by_id.email, by_email.email) AS org_user_email,
  CASE WHEN by_id.user_key IS NOT NULL THEN 'integration_user_id' WHEN by_email.user_key IS NOT NULL THEN 'email' END
    AS matched_by
FROM sei.user_identities u
LEFT JOIN sei.integrations ig ON ig.id = u.integration_id AND ig.deleted_at IS NULL
LEFT JOIN LATERAL (
  SELECT o.user_key, o.id, o.full_name, o.email FROM sei.org_users o
  WHERE o.deleted_at IS NULL AND u.integration_id || ':' || u.cloud_id = ANY (o.integration_user_keys)
  ORDER BY o.user_key LIMIT 1
) by_id ON true
LEFT JOIN LATERAL (
  SELECT o.user_key, o.id, o.full_name, o.email FROM sei.org_users o
  WHERE o.deleted_at IS NULL AND o.email <> '' AND lower(o.email) = ANY (SELECT lower(e) FROM unnest(u.emails) e)
  ORDER BY o.user_key LIMIT 1
) by_email ON by_id.user_key IS NULL
WHERE u.deleted_at IS NULL`,
  },
  {
    name: 'jira_issue_custom_fields',
    comment:
      'One row per Jira issue (not deleted) and custom field it has a value for: field_key (customfield_10020), field_name from sei.jira_fields of the same integration (the key itself when the field is unknown), field_type, the value as jsonb and as text (list elements joined by ", ").',
    body: `
SELECT i.integration_id, i.issue_key, i.project, cf.key AS field_key,
  coalesce(f.name, cf.key) AS field_name, f.field_type, f.name IS NOT NULL AS is_named,
  cf.value,
  CASE jsonb_typeof(cf.value)
    WHEN 'array' THEN (SELECT string_agg(e #>> '{}', ', ') FROM jsonb_array_elements(cf.value) AS e)
    WHEN 'null' THEN NULL
    ELSE cf.value #>> '{}'
  END AS value_text
FROM sei.jira_issues i
CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(i.custom_fields) = 'object' THEN i.custom_fields ELSE '{}'::jsonb END) AS cf
LEFT JOIN sei.jira_fields f ON f.integration_id = i.integration_id AND f.field_key = cf.key AND f.deleted_at IS NULL
WHERE i.deleted_at IS NULL`,
  },
];

/** record_changes_daily as 004 made it, for `down`. */
const RECORD_CHANGES_004 = VIEWS_004.find((view) => view.name === 'record_changes_daily')?.body ?? '';

/** The streams of migration 008, frozen as of this migration. */
const STREAMS_008 = HISTORY_TABLES_008.map(([name]) => name);

const UP: readonly string[] = [
  ...VIEWS.flatMap((view) => [
    `CREATE VIEW sei_bi.${view.name} AS ${view.body}`,
    `COMMENT ON VIEW sei_bi.${view.name} IS '${view.comment.replaceAll("'", "''")}'`,
  ]),
  `CREATE OR REPLACE VIEW sei_bi.record_changes_daily AS ${RECORD_CHANGES_004}
UNION ALL${HISTORY_TABLES_008.map(([name, keys]) => recordChangesOf(name, keys)).join('\nUNION ALL')}`,
  // Syncs only, as migration 010 left it: renormalize and verify runs are not counted.
  freshnessView(SYNC_RUNS_NOT_VERIFY, 'sync_runs', [...STREAMS_007, ...STREAMS_008]),
];

const DOWN: readonly string[] = [
  freshnessView(SYNC_RUNS_NOT_VERIFY, 'sync_runs'),
  `CREATE OR REPLACE VIEW sei_bi.record_changes_daily AS ${RECORD_CHANGES_004}`,
  ...[...VIEWS].reverse().map((view) => `DROP VIEW IF EXISTS sei_bi.${view.name}`),
];

// biome-ignore lint/suspicious/noExplicitAny: the signature Kysely's Migration interface declares
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, UP);
}

// biome-ignore lint/suspicious/noExplicitAny: the signature Kysely's Migration interface declares
export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, DOWN);
}
