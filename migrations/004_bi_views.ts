/**
 * The `sei_bi` schema: ready-made views for dashboards, on the `sei` tables, the `sei_history`
 * versions and the `sei_sync` run ledger. docs/bi-views.md describes each with an example query.
 *
 * Conventions (the same in every view):
 * - rows marked deleted (`deleted_at IS NOT NULL`) are left out;
 * - months are calendar months in UTC (`month` is a date, the first of the month);
 * - durations are numeric, rounded to 2 decimals, in the unit their name says (`_hours`, `_days`);
 *   rollups aggregate the exact durations, not the rounded ones;
 * - medians and percentiles are continuous (`percentile_cont`).
 *
 * Frozen SQL: a later change is a new migration (CREATE OR REPLACE VIEW), never an edit here. One
 * statement per query (PGlite's extended protocol); no extensions.
 */
import { type Kysely, sql } from 'kysely';

/** First of the month, UTC, as a date. */
const month = (instant: string) => `date_trunc('month', ${instant} AT TIME ZONE 'UTC')::date`;
/** Exact seconds between two instants (numeric). */
const seconds = (from: string, to: string) => `extract(epoch FROM ${to} - ${from})`;
const hours = (secondsExpression: string) => `round(${secondsExpression} / 3600, 2)`;
const days = (secondsExpression: string) => `round(${secondsExpression} / 86400, 2)`;
const median = (expression: string) =>
  `round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ${expression}))::numeric, 2)`;
const percentile = (fraction: number, expression: string) =>
  `round((percentile_cont(${fraction}) WITHIN GROUP (ORDER BY ${expression}))::numeric, 2)`;

/** Entity tables of migration 003 that have history, frozen as of this migration. */
const HISTORY_TABLES = [
  'integrations',
  'jira_issues',
  'workitems',
  'scm_pull_requests',
  'scm_commits',
  'cicd_job_runs',
  'org_users',
  'org_units',
  'collection_categories',
] as const;

/** Exported for migration 011 (it restores `record_changes_daily` on down). */
export const VIEWS: readonly { name: string; body: string; comment: string }[] = [
  {
    name: 'pr_cycle_time',
    comment:
      'One row per pull request (not deleted): opened -> first review -> merge, in hours. hours_to_first_review = first_review_at - opened_at; hours_review_to_merge = merged_at - first_review_at; cycle_time_hours = merged_at - opened_at. NULL when the later instant has not happened.',
    body: `
SELECT pr.id AS pr_id, pr.integration_id, pr.project AS repository, pr.number, pr.title, pr.state,
  pr.merged_at IS NOT NULL AS is_merged, pr.creator, pr.creator_id, pr.target_branch,
  pr.lines_added, pr.lines_deleted,
  pr.opened_at, pr.first_review_at, pr.merged_at, pr.pr_closed_at AS closed_at,
  ${hours('pr.secs_to_first_review')} AS hours_to_first_review,
  ${hours('pr.secs_review_to_merge')} AS hours_review_to_merge,
  ${hours('pr.secs_cycle')} AS cycle_time_hours
FROM (
  SELECT p.*, p.pr_created_at AS opened_at, p.pr_merged_at AS merged_at,
    ${seconds('p.pr_created_at', 'p.first_review_at')} AS secs_to_first_review,
    ${seconds('p.first_review_at', 'p.pr_merged_at')} AS secs_review_to_merge,
    ${seconds('p.pr_created_at', 'p.pr_merged_at')} AS secs_cycle
  FROM sei.scm_pull_requests p
  WHERE p.deleted_at IS NULL
) pr`,
  },
  {
    name: 'pr_cycle_time_monthly',
    comment:
      'Merged pull requests per calendar month (UTC) of their merge: count, and average / median / 90th percentile of cycle time (opened -> merged), median time to first review and from first review to merge, in hours.',
    body: `
SELECT ${month('p.pr_merged_at')} AS month,
  count(*) AS merged_prs,
  count(p.first_review_at) AS reviewed_prs,
  round(avg(${seconds('p.pr_created_at', 'p.pr_merged_at')}) / 3600, 2) AS avg_cycle_time_hours,
  ${median(`${seconds('p.pr_created_at', 'p.pr_merged_at')} / 3600`)} AS median_cycle_time_hours,
  ${percentile(0.9, `${seconds('p.pr_created_at', 'p.pr_merged_at')} / 3600`)} AS p90_cycle_time_hours,
  ${median(`${seconds('p.pr_created_at', 'p.first_review_at')} / 3600`)} AS median_hours_to_first_review,
  ${median(`${seconds('p.first_review_at', 'p.pr_merged_at')} / 3600`)} AS median_hours_review_to_merge
FROM sei.scm_pull_requests p
WHERE p.deleted_at IS NULL AND p.pr_merged_at IS NOT NULL AND p.pr_created_at IS NOT NULL
GROUP BY 1`,
  },
  {
    name: 'jira_lead_time',
    comment:
      'One row per Jira issue (not deleted): lead time from creation to resolution, in days and hours; NULL while unresolved.',
    body: `
SELECT i.integration_id, i.issue_key, i.project, i.issue_type, i.priority, i.status, i.status_category,
  i.resolution, i.assignee, i.story_points, i.epic,
  i.issue_created_at AS created_at, i.issue_resolved_at AS resolved_at,
  i.issue_resolved_at IS NOT NULL AS is_resolved,
  ${days(seconds('i.issue_created_at', 'i.issue_resolved_at'))} AS lead_time_days,
  ${hours(seconds('i.issue_created_at', 'i.issue_resolved_at'))} AS lead_time_hours
FROM sei.jira_issues i
WHERE i.deleted_at IS NULL`,
  },
  {
    name: 'jira_lead_time_monthly',
    comment:
      'Resolved Jira issues per calendar month (UTC) of resolution: count, average / median / 85th percentile lead time (created -> resolved) in days, and story points resolved.',
    body: `
SELECT ${month('i.issue_resolved_at')} AS month,
  count(*) AS resolved_issues,
  sum(i.story_points) AS story_points_resolved,
  round(avg(${seconds('i.issue_created_at', 'i.issue_resolved_at')}) / 86400, 2) AS avg_lead_time_days,
  ${median(`${seconds('i.issue_created_at', 'i.issue_resolved_at')} / 86400`)} AS median_lead_time_days,
  ${percentile(0.85, `${seconds('i.issue_created_at', 'i.issue_resolved_at')} / 86400`)} AS p85_lead_time_days
FROM sei.jira_issues i
WHERE i.deleted_at IS NULL AND i.issue_resolved_at IS NOT NULL AND i.issue_created_at IS NOT NULL
GROUP BY 1`,
  },
  {
    name: 'jira_time_in_status',
    comment:
      'One row per Jira issue and status it has been in (from sei.jira_issue_status_history): visits, first entry, last exit, and total time in that status in hours (sum of end_time - start_time; an interval without end_time counts up to now()). is_current: the issue is in that status now.',
    body: `
SELECT i.integration_id, i.issue_key, i.project, i.issue_type, s.status,
  s.status = i.status AS is_current,
  count(*) AS visits,
  min(s.start_time) AS first_entered_at,
  max(s.end_time) AS last_left_at,
  ${hours(`sum(${seconds('s.start_time', 'coalesce(s.end_time, now())')})`)} AS hours_in_status,
  ${days(`sum(${seconds('s.start_time', 'coalesce(s.end_time, now())')})`)} AS days_in_status
FROM sei.jira_issue_status_history s
JOIN sei.jira_issues i ON i.integration_id = s.integration_id AND i.issue_key = s.issue_key
WHERE i.deleted_at IS NULL AND s.start_time IS NOT NULL AND s.status IS NOT NULL
GROUP BY i.integration_id, i.issue_key, i.project, i.issue_type, i.status, s.status`,
  },
  {
    name: 'jira_time_in_status_summary',
    comment:
      'Per Jira project and status: issues that have been in it, and the average / median / 90th percentile of the total hours an issue spent there (per-issue totals from sei_bi.jira_time_in_status semantics).',
    body: `
SELECT t.integration_id, t.project, t.status,
  count(*) AS issues,
  round(avg(t.secs) / 3600, 2) AS avg_hours_in_status,
  ${median('t.secs / 3600')} AS median_hours_in_status,
  ${percentile(0.9, 't.secs / 3600')} AS p90_hours_in_status
FROM (
  SELECT i.integration_id, i.issue_key, i.project, s.status,
    sum(${seconds('s.start_time', 'coalesce(s.end_time, now())')}) AS secs
  FROM sei.jira_issue_status_history s
  JOIN sei.jira_issues i ON i.integration_id = s.integration_id AND i.issue_key = s.issue_key
  WHERE i.deleted_at IS NULL AND s.start_time IS NOT NULL AND s.status IS NOT NULL
  GROUP BY i.integration_id, i.issue_key, i.project, s.status
) t
GROUP BY t.integration_id, t.project, t.status`,
  },
  {
    name: 'deployments',
    comment:
      'One row per deployment: a CI/CD job run (not deleted) tagged deploy/deployment, or whose job name or full name contains "deploy". environment: the run env, else its ENVIRONMENT/ENV parameter. outcome: success (SUCCESS, SUCCEEDED), failure (FAILURE, FAILED, ERROR, ERRORED), other (running, aborted, ...). deployed_at: end_time, else start_time.',
    body: `
SELECT r.id AS job_run_id, r.integration_id, r.cicd_job_id, r.job_name, r.job_normalized_full_name,
  r.job_run_number, r.instance_name, r.project_name,
  coalesce(
    nullif(r.env, ''),
    (SELECT p->>'value' FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r.params) = 'array' THEN r.params ELSE '[]'::jsonb END) AS p
      WHERE lower(p->>'name') IN ('environment', 'env') AND coalesce(p->>'value', '') <> '' LIMIT 1)
  ) AS environment,
  r.status,
  CASE
    WHEN upper(r.status) IN ('SUCCESS', 'SUCCEEDED') THEN 'success'
    WHEN upper(r.status) IN ('FAILURE', 'FAILED', 'ERROR', 'ERRORED') THEN 'failure'
    ELSE 'other'
  END AS outcome,
  coalesce(r.end_time, r.start_time) AS deployed_at, r.start_time, r.end_time, r.duration_seconds,
  r.cicd_user_id, r.scm_commit_ids
FROM sei.cicd_job_runs r
WHERE r.deleted_at IS NULL
  AND (EXISTS (SELECT 1 FROM unnest(r.tags) AS t(tag) WHERE lower(t.tag) IN ('deploy', 'deployment'))
    OR r.job_name ILIKE '%deploy%' OR r.job_normalized_full_name ILIKE '%deploy%')`,
  },
  {
    name: 'deployment_metrics_monthly',
    comment:
      'Per calendar month (UTC) of deployed_at and environment, from sei_bi.deployments: deployment frequency (successful_deployments, deployment_days = days with at least one success, per week) and change failure rate = failed / (successful + failed), a proxy computed from deployment job outcomes; runs with outcome other are not counted.',
    body: `
SELECT ${month('d.deployed_at')} AS month, d.environment,
  count(*) FILTER (WHERE d.outcome <> 'other') AS deployments,
  count(*) FILTER (WHERE d.outcome = 'success') AS successful_deployments,
  count(*) FILTER (WHERE d.outcome = 'failure') AS failed_deployments,
  count(DISTINCT (d.deployed_at AT TIME ZONE 'UTC')::date) FILTER (WHERE d.outcome = 'success') AS deployment_days,
  round(count(*) FILTER (WHERE d.outcome = 'success') * 7.0
    / extract(day FROM (${month('d.deployed_at')} + interval '1 month' - interval '1 day')), 2) AS successful_per_week,
  round(count(*) FILTER (WHERE d.outcome = 'failure')::numeric
    / nullif(count(*) FILTER (WHERE d.outcome <> 'other'), 0), 4) AS change_failure_rate
FROM sei_bi.deployments d
WHERE d.deployed_at IS NOT NULL
GROUP BY 1, 2`,
  },
  {
    name: 'deployment_metrics_by_job_monthly',
    comment:
      'Per calendar month (UTC), deploy job and environment, from sei_bi.deployments: deployments (success + failure), successes, failures, failure rate = failed / (successful + failed), and median duration in minutes of those deployments.',
    body: `
SELECT ${month('d.deployed_at')} AS month, d.integration_id, d.job_normalized_full_name, d.job_name, d.environment,
  count(*) FILTER (WHERE d.outcome <> 'other') AS deployments,
  count(*) FILTER (WHERE d.outcome = 'success') AS successful_deployments,
  count(*) FILTER (WHERE d.outcome = 'failure') AS failed_deployments,
  round(count(*) FILTER (WHERE d.outcome = 'failure')::numeric
    / nullif(count(*) FILTER (WHERE d.outcome <> 'other'), 0), 4) AS change_failure_rate,
  round((percentile_cont(0.5) WITHIN GROUP (ORDER BY d.duration_seconds / 60.0)
    FILTER (WHERE d.outcome <> 'other'))::numeric, 2) AS median_duration_minutes
FROM sei_bi.deployments d
WHERE d.deployed_at IS NOT NULL
GROUP BY 1, 2, 3, 4, 5`,
  },
  {
    name: 'contributor_identities',
    comment:
      'One row per contributor (org user, not deleted) and identity in an integration (integration_user_ids): the links used to attribute commits and pull requests to people.',
    body: `
SELECT u.user_key, u.id AS org_user_id, u.full_name, u.email,
  ident->>'integration_id' AS integration_id, ident->>'user_id' AS integration_user_id
FROM sei.org_users u
CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(u.integration_user_ids) = 'array' THEN u.integration_user_ids ELSE '[]'::jsonb END) AS ident
WHERE u.deleted_at IS NULL`,
  },
  {
    name: 'contribution_events',
    comment:
      'One row per contribution: commit (at committed_at, by author), pr_opened (at pr_created_at, by creator), pr_merged (at pr_merged_at, by creator); deleted rows left out. Attributed to the org user (contributor) whose integration_user_ids hold (integration_id, login), else (integration_id, login id); unmatched identities keep user_key NULL and contributor_key unmapped:<integration>:<login>.',
    body: `
WITH identities AS (
  -- One contributor per identity (the lowest user_key if SEI maps one identity to two people).
  SELECT DISTINCT ON (ident.identity) ident.identity, o.user_key, o.full_name, o.email
  FROM sei.org_users o CROSS JOIN LATERAL unnest(o.integration_user_keys) AS ident(identity)
  WHERE o.deleted_at IS NULL
  ORDER BY ident.identity, o.user_key
), events AS (
  SELECT 'commit'::text AS activity, c.commit_key AS item_id, c.committed_at AS at, c.integration_id,
    c.project AS repository, c.author AS login, c.author_id AS login_id, c.additions AS lines_added, c.deletions AS lines_deleted
  FROM sei.scm_commits c WHERE c.deleted_at IS NULL AND c.committed_at IS NOT NULL
  UNION ALL
  SELECT 'pr_opened', p.id, p.pr_created_at, p.integration_id, p.project, p.creator, p.creator_id, p.lines_added, p.lines_deleted
  FROM sei.scm_pull_requests p WHERE p.deleted_at IS NULL AND p.pr_created_at IS NOT NULL
  UNION ALL
  SELECT 'pr_merged', p.id, p.pr_merged_at, p.integration_id, p.project, p.creator, p.creator_id, p.lines_added, p.lines_deleted
  FROM sei.scm_pull_requests p WHERE p.deleted_at IS NULL AND p.pr_merged_at IS NOT NULL
)
SELECT e.activity, e.item_id, e.at, ${month('e.at')} AS month, e.integration_id, e.repository, e.login, e.login_id,
  e.lines_added, e.lines_deleted,
  coalesce(by_login.user_key, by_id.user_key) AS user_key,
  coalesce(by_login.user_key, by_id.user_key,
    'unmapped:' || coalesce(e.integration_id, '') || ':' || coalesce(e.login, e.login_id, '')) AS contributor_key,
  CASE WHEN by_login.user_key IS NOT NULL THEN by_login.full_name ELSE coalesce(by_id.full_name, e.login, e.login_id) END
    AS contributor,
  CASE WHEN by_login.user_key IS NOT NULL THEN by_login.email ELSE by_id.email END AS email
FROM events e
LEFT JOIN identities by_login ON by_login.identity = e.integration_id || ':' || e.login
LEFT JOIN identities by_id ON by_id.identity = e.integration_id || ':' || e.login_id`,
  },
  {
    name: 'contributor_activity_monthly',
    comment:
      'Per calendar month (UTC) and contributor (from sei_bi.contribution_events): commits and their lines added / deleted, pull requests opened and merged, merged lines. Unmapped identities appear with user_key NULL.',
    body: `
SELECT e.month, e.contributor_key, e.user_key, e.contributor, e.email,
  count(*) FILTER (WHERE e.activity = 'commit') AS commits,
  coalesce(sum(e.lines_added) FILTER (WHERE e.activity = 'commit'), 0) AS commit_lines_added,
  coalesce(sum(e.lines_deleted) FILTER (WHERE e.activity = 'commit'), 0) AS commit_lines_deleted,
  count(*) FILTER (WHERE e.activity = 'pr_opened') AS prs_opened,
  count(*) FILTER (WHERE e.activity = 'pr_merged') AS prs_merged,
  coalesce(sum(e.lines_added) FILTER (WHERE e.activity = 'pr_merged'), 0) AS merged_pr_lines_added
FROM sei_bi.contribution_events e
GROUP BY e.month, e.contributor_key, e.user_key, e.contributor, e.email`,
  },
  {
    name: 'team_members',
    comment:
      'One row per collection (org unit, not deleted) and contributor who belongs to it: members listed on the unit itself (direct_member) or on any unit below it in the collection tree (parent_ref_id), each contributor once per collection.',
    body: `
WITH RECURSIVE units AS (
  SELECT id, name, path, parent_ref_id, member_user_ids FROM sei.org_units WHERE deleted_at IS NULL
), tree (team_id, unit_id) AS (
  SELECT id, id FROM units
  UNION
  SELECT t.team_id, c.id FROM tree t JOIN units c ON c.parent_ref_id = t.unit_id
)
SELECT t.team_id, team.name AS team_name, team.path AS team_path, team.parent_ref_id AS team_parent_id,
  u.user_key, u.id AS org_user_id, u.full_name, u.email,
  bool_or(t.unit_id = t.team_id) AS direct_member
FROM tree t
JOIN units team ON team.id = t.team_id
JOIN units m ON m.id = t.unit_id
CROSS JOIN LATERAL unnest(m.member_user_ids) AS member(user_id)
JOIN sei.org_users u ON u.deleted_at IS NULL AND u.id = member.user_id
GROUP BY t.team_id, team.name, team.path, team.parent_ref_id, u.user_key, u.id, u.full_name, u.email`,
  },
  {
    name: 'team_activity_monthly',
    comment:
      'Per calendar month (UTC) and collection (team, with everything below it in the tree): active contributors, commits and lines, pull requests opened and merged, by the members in sei_bi.team_members (each contribution counted once per collection). team_size: members today.',
    body: `
WITH members AS (
  SELECT team_id, team_name, team_path, user_key FROM sei_bi.team_members
), sizes AS (
  SELECT team_id, count(*) AS team_size FROM members GROUP BY team_id
), activity AS (
  SELECT e.month, tm.team_id, tm.team_name, tm.team_path,
    count(DISTINCT e.user_key) AS active_contributors,
    count(*) FILTER (WHERE e.activity = 'commit') AS commits,
    coalesce(sum(e.lines_added) FILTER (WHERE e.activity = 'commit'), 0) AS commit_lines_added,
    coalesce(sum(e.lines_deleted) FILTER (WHERE e.activity = 'commit'), 0) AS commit_lines_deleted,
    count(*) FILTER (WHERE e.activity = 'pr_opened') AS prs_opened,
    count(*) FILTER (WHERE e.activity = 'pr_merged') AS prs_merged
  FROM sei_bi.contribution_events e
  JOIN members tm ON tm.user_key = e.user_key
  GROUP BY e.month, tm.team_id, tm.team_name, tm.team_path
)
SELECT a.month, a.team_id, a.team_name, a.team_path, s.team_size, a.active_contributors, a.commits,
  a.commit_lines_added, a.commit_lines_deleted, a.prs_opened, a.prs_merged
FROM activity a JOIN sizes s ON s.team_id = a.team_id`,
  },
  {
    name: 'data_freshness',
    comment:
      'One row per stream: its last successful sync (finished_at of the latest succeeded stream run) and the hours since, the latest stream run (status, counts, error), and the checkpoint (incremental cursor, last complete walk, walk in progress). Streams never synced appear with NULLs.',
    body: `
WITH streams (stream) AS (
  SELECT s FROM unnest(ARRAY[${HISTORY_TABLES.map((name) => `'${name}'`).join(', ')}]) AS s
  UNION SELECT stream FROM sei_sync.stream_runs
  UNION SELECT stream FROM sei_sync.checkpoints
), latest AS (
  SELECT DISTINCT ON (r.stream) r.* FROM sei_sync.stream_runs r ORDER BY r.stream, r.started_at DESC, r.run_id
), success AS (
  SELECT r.stream, max(r.finished_at) AS last_success_at, count(*) AS successful_runs
  FROM sei_sync.stream_runs r WHERE r.status = 'succeeded' GROUP BY r.stream
)
SELECT s.stream,
  ok.last_success_at,
  ${hours(seconds('ok.last_success_at', 'now()'))} AS hours_since_success,
  coalesce(ok.successful_runs, 0) AS successful_runs,
  l.run_id AS last_run_id, l.status AS last_status, l.started_at AS last_started_at, l.finished_at AS last_finished_at,
  l.records AS last_records, l.inserted AS last_inserted, l.updated AS last_updated, l.deleted AS last_deleted,
  l.rejected AS last_rejected, l.error_code AS last_error_code, l.error AS last_error,
  c.cursor AS checkpoint_cursor, c.last_complete_walk_at, c.walk_id IS NOT NULL AS walk_in_progress,
  c.next_page AS walk_next_page
FROM streams s
LEFT JOIN latest l ON l.stream = s.stream
LEFT JOIN success ok ON ok.stream = s.stream
LEFT JOIN sei_sync.checkpoints c ON c.stream = s.stream`,
  },
  {
    name: 'record_changes_daily',
    comment:
      'Per UTC day and entity table, from the sei_history versions: versions opened (new_records = first version of a key, changed_records = later versions) and records deleted (versions closed with deleted = true).',
    body: HISTORY_TABLES.map((name) => recordChangesOf(name, keyOf(name))).join('\nUNION ALL'),
  },
];

/**
 * One table's part of `record_changes_daily` (`keys`: its history key columns as `h.a, h.b`).
 * Exported for migration 011, which adds the tables of migration 008 to the view.
 */
export function recordChangesOf(name: string, keys: string): string {
  return `
SELECT day, '${name}'::text AS table_name,
  count(*) FILTER (WHERE kind = 'new') AS new_records,
  count(*) FILTER (WHERE kind = 'changed') AS changed_records,
  count(*) FILTER (WHERE kind = 'deleted') AS deleted_records
FROM (
  SELECT (h.valid_from AT TIME ZONE 'UTC')::date AS day,
    CASE WHEN h.valid_from = min(h.valid_from) OVER (PARTITION BY ${keys}) THEN 'new' ELSE 'changed' END AS kind
  FROM sei_history.${name} h
  UNION ALL
  SELECT (h.valid_to AT TIME ZONE 'UTC')::date, 'deleted' FROM sei_history.${name} h WHERE h.deleted
) v
GROUP BY day`;
}

/** Key columns of the history tables (migration 003), for partitioning by record. */
function keyOf(name: (typeof HISTORY_TABLES)[number]): string {
  const keys: Record<(typeof HISTORY_TABLES)[number], string> = {
    integrations: 'h.id',
    jira_issues: 'h.integration_id, h.issue_key',
    workitems: 'h.integration_id, h.workitem_id',
    scm_pull_requests: 'h.id',
    scm_commits: 'h.commit_key',
    cicd_job_runs: 'h.id',
    org_users: 'h.user_key',
    org_units: 'h.id',
    collection_categories: 'h.id',
  };
  return keys[name];
}

const UP: readonly string[] = [
  'CREATE SCHEMA IF NOT EXISTS sei_bi',
  "COMMENT ON SCHEMA sei_bi IS 'Ready-made views for dashboards over sei, sei_history and sei_sync (see docs/bi-views.md).'",
  ...VIEWS.flatMap((view) => [
    `CREATE VIEW sei_bi.${view.name} AS ${view.body}`,
    `COMMENT ON VIEW sei_bi.${view.name} IS '${view.comment.replaceAll("'", "''")}'`,
  ]),
];

/** Dependents first (views built on views), then the schema, without CASCADE. */
const DOWN: readonly string[] = [
  ...[...VIEWS].reverse().map((view) => `DROP VIEW IF EXISTS sei_bi.${view.name}`),
  'DROP SCHEMA IF EXISTS sei_bi',
];

async function runAll(db: Kysely<unknown>, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: the signature Kysely's Migration interface declares
export async function up(db: Kysely<any>): Promise<void> {
  await runAll(db, UP);
}

// biome-ignore lint/suspicious/noExplicitAny: the signature Kysely's Migration interface declares
export async function down(db: Kysely<any>): Promise<void> {
  await runAll(db, DOWN);
}
