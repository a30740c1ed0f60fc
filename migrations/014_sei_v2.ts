/**
 * SEI 2.0 ("AI DLC Insights"): the org structure as SCD-2 dimensions, export rows with typed
 * dimensions and their metrics in a long table (columns change as Harness adds metrics: a new column
 * is a new `metric` value, no migration), the history of restated values, a staging table for
 * downloads in progress, and BI views that pivot the metrics charted most. See docs/sei-v2.md.
 */
import type { Kysely } from 'kysely';
import { runStatements } from './run-statements.js';

/** Each dimension keeps every version: current where `valid_to IS NULL`. */
const dimension = (name: string, columns: string, key: string) => [
  `CREATE TABLE sei_v2.${name} (
    version_id bigserial PRIMARY KEY,
    ${columns},
    raw jsonb NOT NULL,
    row_hash text NOT NULL,
    valid_from timestamptz NOT NULL,
    valid_to timestamptz,
    run_id uuid
  )`,
  `CREATE UNIQUE INDEX ${name}_current ON sei_v2.${name} (${key}) WHERE valid_to IS NULL`,
];

const STATEMENTS = [
  'CREATE SCHEMA IF NOT EXISTS sei_v2',
  ...dimension('org_trees', 'org_tree_id text NOT NULL, name text, root_team_ref_id text', 'org_tree_id'),
  ...dimension(
    'teams',
    `team_ref_id text NOT NULL, org_tree_id text NOT NULL, name text, parent_ref_id text,
    hierarchy_path text NOT NULL, depth integer NOT NULL, leaf boolean NOT NULL`,
    'team_ref_id',
  ),
  'CREATE INDEX teams_path ON sei_v2.teams (hierarchy_path) WHERE valid_to IS NULL',
  ...dimension(
    'team_members',
    'team_ref_id text NOT NULL, developer_ref_id text NOT NULL, name text, email text',
    'team_ref_id, developer_ref_id',
  ),
  ...dimension(
    'integrations',
    'org_tree_id text NOT NULL, integration_id text NOT NULL, name text, type text',
    'org_tree_id, integration_id',
  ),
  ...dimension(
    'developers',
    'developer_ref_id text NOT NULL, name text, email text, team_ref_id text',
    'developer_ref_id',
  ),
  'CREATE INDEX developers_email ON sei_v2.developers (email) WHERE valid_to IS NULL',
  // One row per CSV row: the dimensions typed, the row as it came.
  `CREATE TABLE sei_v2.export_rows (
    export_type text NOT NULL,
    scope text NOT NULL,
    row_key text NOT NULL,
    granularity text,
    team_name text,
    team_hierarchy text,
    developer_name text,
    developer_email text,
    sprint text,
    period_start date,
    period_end date,
    raw jsonb NOT NULL,
    row_hash text NOT NULL,
    export_id text,
    run_id uuid,
    loaded_at timestamptz NOT NULL,
    PRIMARY KEY (export_type, scope, row_key)
  )`,
  'CREATE INDEX export_rows_period ON sei_v2.export_rows (export_type, scope, granularity, period_start)',
  // One row per metric and value of an export row.
  `CREATE TABLE sei_v2.export_metrics (
    export_type text NOT NULL,
    scope text NOT NULL,
    row_key text NOT NULL,
    metric text NOT NULL,
    value double precision,
    value_text text,
    PRIMARY KEY (export_type, scope, row_key, metric),
    FOREIGN KEY (export_type, scope, row_key) REFERENCES sei_v2.export_rows ON DELETE CASCADE
  )`,
  // What a re-run changed: one row per metric added, changed or removed.
  `CREATE TABLE sei_v2.export_changes (
    change_id bigserial PRIMARY KEY,
    export_type text NOT NULL,
    scope text NOT NULL,
    row_key text NOT NULL,
    granularity text,
    period_start date,
    team_hierarchy text,
    developer_email text,
    metric text NOT NULL,
    change text NOT NULL CHECK (change IN ('added', 'changed', 'removed')),
    old_value text,
    new_value text,
    export_id text,
    run_id uuid,
    changed_at timestamptz NOT NULL
  )`,
  'CREATE INDEX export_changes_period ON sei_v2.export_changes (export_type, scope, period_start)',
  // A download in progress; moved into the tables above in one transaction once complete.
  `CREATE TABLE sei_v2.export_staging (
    load_id uuid NOT NULL,
    ordinal integer NOT NULL,
    row_key text NOT NULL,
    dims jsonb NOT NULL,
    metrics jsonb NOT NULL,
    raw jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (load_id, ordinal)
  )`,
  // ---- BI (schema sei_bi): every export row with its team and developer, then pivots ----
  `CREATE VIEW sei_bi.v2_export_rows AS
  SELECT r.export_type, r.scope, r.granularity, r.period_start, r.period_end, r.sprint,
         t.team_ref_id, r.team_name, r.team_hierarchy, t.org_tree_id,
         d.developer_ref_id, r.developer_name, r.developer_email, r.row_key, r.loaded_at
  FROM sei_v2.export_rows r
  LEFT JOIN sei_v2.teams t ON t.valid_to IS NULL AND t.hierarchy_path = r.team_hierarchy
  LEFT JOIN LATERAL (
    SELECT developer_ref_id FROM sei_v2.developers d
    WHERE d.valid_to IS NULL AND r.developer_email IS NOT NULL AND d.email = lower(r.developer_email)
    ORDER BY developer_ref_id LIMIT 1
  ) d ON true`,
  `CREATE VIEW sei_bi.v2_metrics AS
  SELECT r.*, m.metric, m.value, m.value_text
  FROM sei_bi.v2_export_rows r
  JOIN sei_v2.export_metrics m USING (export_type, scope, row_key)`,
  `CREATE VIEW sei_bi.v2_dora AS
  SELECT export_type, scope, granularity, period_start, period_end, team_ref_id, team_name, team_hierarchy,
    max(value) FILTER (WHERE lower(metric) LIKE 'deployment_frequency%') AS deployment_frequency,
    max(value) FILTER (WHERE lower(metric) LIKE 'lead_time%') AS lead_time_for_changes_hours,
    max(value) FILTER (WHERE lower(metric) LIKE 'change_failure_rate%') AS change_failure_rate_percent,
    max(value) FILTER (WHERE lower(metric) LIKE 'mttr%') AS mttr_hours,
    max(value_text) FILTER (WHERE lower(metric) LIKE '%rating%') AS dora_rating
  FROM sei_bi.v2_metrics WHERE export_type = 'efficiency'
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8`,
  `CREATE VIEW sei_bi.v2_productivity AS
  SELECT export_type, scope, granularity, period_start, period_end, team_ref_id, team_name, team_hierarchy,
    developer_ref_id, developer_name, developer_email,
    max(value) FILTER (WHERE lower(metric) LIKE '%cycle_time%') AS pr_cycle_time_hours,
    max(value) FILTER (WHERE lower(metric) = 'pr_velocity') AS pr_velocity,
    max(value) FILTER (WHERE lower(metric) = 'coding_days') AS coding_days,
    max(value) FILTER (WHERE lower(metric) = 'commits') AS commits,
    max(value) FILTER (WHERE lower(metric) = 'pr_merged') AS prs_merged,
    max(value) FILTER (WHERE lower(metric) = 'work_completed') AS work_completed
  FROM sei_bi.v2_metrics WHERE export_type = 'productivity'
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11`,
  `CREATE VIEW sei_bi.v2_sprints AS
  SELECT scope, sprint, period_start, period_end, team_ref_id, team_name, team_hierarchy,
    max(value) FILTER (WHERE lower(metric) = 'total_work_delivered') AS velocity_delivered,
    max(value) FILTER (WHERE lower(metric) = 'sprint_commit') AS sprint_commit,
    max(value) FILTER (WHERE lower(metric) = 'commit_done_percent') AS commit_done_percent,
    max(value) FILTER (WHERE lower(metric) = 'churn_rate') AS churn_rate_percent
  FROM sei_bi.v2_metrics WHERE export_type = 'sprint'
  GROUP BY 1, 2, 3, 4, 5, 6, 7`,
  `CREATE VIEW sei_bi.v2_business_alignment AS
  SELECT scope, granularity, period_start, period_end, team_ref_id, team_name, team_hierarchy,
    regexp_replace(metric, '_(story_points|tickets)$', '', 'i') AS category,
    max(value) FILTER (WHERE metric ~* '_story_points$') AS story_points,
    max(value) FILTER (WHERE metric ~* '_tickets$') AS tickets
  FROM sei_bi.v2_metrics WHERE export_type = 'ba'
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8`,
  `CREATE VIEW sei_bi.v2_time_in_status AS
  SELECT scope, granularity, period_start, period_end, team_ref_id, team_name, team_hierarchy,
    regexp_replace(regexp_replace(metric, '^Time_In_', '', 'i'), '_Days$', '', 'i') AS status,
    value AS days
  FROM sei_bi.v2_metrics WHERE export_type = 'ticket-data' AND metric ~* '^time_in_'`,
  `COMMENT ON VIEW sei_bi.v2_export_rows IS 'SEI 2.0: every export row (sei_v2.export_rows) with its team (team_ref_id, by Team_Hierarchy = sei_v2.teams.hierarchy_path) and, at developer level, its developer (developer_ref_id, by email).'`,
  `COMMENT ON VIEW sei_bi.v2_metrics IS 'SEI 2.0: sei_bi.v2_export_rows with one row per metric of the row (metric as the CSV header, value when numeric, value_text as it came).'`,
  `COMMENT ON VIEW sei_bi.v2_dora IS 'SEI 2.0: per efficiency export row (team and period): deployment frequency, lead time for changes (hours), change failure rate (percent), MTTR (hours), DORA rating.'`,
  `COMMENT ON VIEW sei_bi.v2_productivity IS 'SEI 2.0: per productivity export row (developer and period): PR cycle time (hours), PR velocity, coding days, commits, PRs merged, work completed.'`,
  `COMMENT ON VIEW sei_bi.v2_sprints IS 'SEI 2.0: per team and sprint of the sprint export: work delivered (velocity), sprint commitment, commit done percent, churn rate percent.'`,
  `COMMENT ON VIEW sei_bi.v2_business_alignment IS 'SEI 2.0: per team, period and business alignment category (KTLO, New Capability, ...): story points and tickets.'`,
  `COMMENT ON VIEW sei_bi.v2_time_in_status IS 'SEI 2.0: per team, period and issue status of the ticket-data export: days accumulated in that status.'`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, STATEMENTS);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, [
    'DROP VIEW sei_bi.v2_time_in_status',
    'DROP VIEW sei_bi.v2_business_alignment',
    'DROP VIEW sei_bi.v2_sprints',
    'DROP VIEW sei_bi.v2_productivity',
    'DROP VIEW sei_bi.v2_dora',
    'DROP VIEW sei_bi.v2_metrics',
    'DROP VIEW sei_bi.v2_export_rows',
    'DROP SCHEMA sei_v2 CASCADE',
  ]);
}
