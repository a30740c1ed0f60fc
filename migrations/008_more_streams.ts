/**
 * Thirteen more streams (issue 14): their `sei` tables, and a `sei_history` table for each (SCD type
 * 2, as migration 003 made for the first nine, with its `<table>_as_of(ts)` function).
 *
 * Also two columns on existing tables, which link work to sprints:
 * - `sei.jira_issues.sprint_ids`: the ids of the sprints an issue is in (the list has always sent them);
 * - `sei.workitems.sprint_full_names`: the iteration paths of a work item, which the list sends only
 *   when asked (`include_sprint_full_names`, now part of every work-item request).
 * Rows stored before this migration get NULL there: `sei-sync renormalize --streams jira_issues`
 * re-derives `sprint_ids` from their stored raw records; work items get their sprint names from the
 * next full refresh (`sei-sync sync --streams workitems --full-refresh`), since their raw records
 * were fetched without them.
 *
 * Frozen SQL (a later change is a new migration), run as one `DO` block (./run-statements.ts);
 * plain PostgreSQL. Key columns are text, as in every other `sei` table, so the history
 * writer's key records match (migration 003).
 */
import type { Kysely } from 'kysely';
import { BOOKKEEPING } from './001_sei_tables.js';
import { tableStatements } from './003_history.js';
import { runStatements } from './run-statements.js';

/** The new entity tables and their keys, frozen as of this migration. */
const TABLES: readonly {
  readonly name: string;
  readonly key: readonly string[];
  readonly columns: string;
}[] = [
  {
    name: 'jira_sprints',
    key: ['integration_id', 'sprint_id'],
    columns: `
  id text,
  name text,
  state text,
  goal text,
  started_at timestamptz,
  planned_end_at timestamptz,
  completed_at timestamptz,
  updated_at timestamptz`,
  },
  {
    name: 'jira_fields',
    key: ['integration_id', 'field_key'],
    columns: `
  id text,
  name text,
  custom boolean,
  field_type text,
  field_items text,
  created_at timestamptz`,
  },
  {
    name: 'jira_projects',
    key: ['integration_id', 'cloud_id'],
    columns: `
  id text,
  project_key text,
  name text,
  is_private boolean,
  lead_user_id text,
  components text[],
  created_at timestamptz`,
  },
  {
    name: 'workitem_sprints',
    key: ['integration_id', 'sprint_id'],
    columns: `
  id text,
  name text,
  parent_sprint text,
  project_id text,
  state text,
  start_date timestamptz,
  end_date timestamptz,
  completed_date timestamptz`,
  },
  {
    name: 'user_identities',
    key: ['id'],
    columns: `
  integration_id text,
  cloud_id text,
  display_name text,
  original_display_name text,
  emails text[],
  mapping_status text,
  created_at timestamptz,
  updated_at timestamptz`,
  },
  {
    name: 'scm_issues',
    key: ['integration_id', 'repo_id', 'project', 'issue_id'],
    columns: `
  id text,
  number integer,
  title text,
  state text,
  creator text,
  creator_id text,
  assignees text[],
  labels text[],
  url text,
  num_comments integer,
  issue_created_at timestamptz,
  issue_updated_at timestamptz,
  issue_closed_at timestamptz,
  first_comment_at timestamptz,
  created_at timestamptz`,
  },
  {
    name: 'cicd_job_run_tests',
    key: ['id'],
    columns: `
  cicd_job_run_id text,
  test_suite text,
  test_name text,
  status text,
  duration_seconds double precision,
  error_details text,
  error_stacktrace text,
  job_name text,
  job_normalized_full_name text,
  job_run_number text,
  job_status text,
  project_name text,
  cicd_user_id text,
  start_time timestamptz,
  end_time timestamptz`,
  },
  {
    name: 'cicd_instances',
    key: ['id'],
    columns: `
  name text,
  url text,
  integration_id text,
  type text,
  config jsonb,
  details jsonb,
  config_updated_at timestamptz,
  last_hb_at timestamptz,
  created_at timestamptz,
  updated_at timestamptz`,
  },
  {
    name: 'cicd_jobs',
    key: ['id'],
    columns: `
  name text,
  job_normalized_full_name text,
  project_name text,
  integration_id text,
  instance_name text,
  derived_from text`,
  },
  {
    name: 'pagerduty_incidents',
    key: ['id'],
    columns: `
  integration_id text,
  pd_service_id text,
  service_name text,
  pd_id text,
  summary text,
  urgency text,
  priority text,
  status text,
  incident_statuses text[],
  user_names text[],
  created_at timestamptz,
  acknowledged_at timestamptz,
  resolved_at timestamptz,
  last_status_at timestamptz,
  updated_at timestamptz,
  user_ids jsonb,
  details jsonb`,
  },
  {
    name: 'pagerduty_alerts',
    key: ['id'],
    columns: `
  integration_id text,
  incident_id text,
  pd_service_id text,
  service_name text,
  pd_id text,
  summary text,
  severity text,
  status text,
  created_at timestamptz,
  acknowledged_at timestamptz,
  last_status_at timestamptz,
  updated_at timestamptz,
  details jsonb`,
  },
  {
    name: 'products',
    key: ['id'],
    columns: `
  name text,
  description text,
  product_key text,
  org_identifier text,
  owner_id text,
  integration_ids text[],
  integrations jsonb,
  bootstrapped boolean,
  immutable boolean,
  disabled boolean,
  demo boolean,
  created_at timestamptz,
  updated_at timestamptz`,
  },
  {
    name: 'workflow_profiles',
    key: ['id'],
    columns: `
  name text,
  description text,
  default_config boolean,
  is_new boolean,
  jira_only boolean,
  integration_families text[],
  issue_management_integrations text[],
  associated_ou_ref_ids text[],
  lead_time_for_changes jsonb,
  mean_time_to_restore jsonb,
  deployment_frequency jsonb,
  change_failure_rate jsonb,
  created_at timestamptz,
  updated_at timestamptz`,
  },
];

/** Indexes for the joins and time filters the BI views (migration 011) and dashboards use. */
const INDEXES: readonly string[] = [
  'CREATE INDEX jira_fields_name_idx ON sei.jira_fields (name)',
  'CREATE INDEX user_identities_cloud_id_idx ON sei.user_identities (integration_id, cloud_id)',
  'CREATE INDEX user_identities_updated_at_idx ON sei.user_identities (updated_at)',
  'CREATE INDEX scm_issues_issue_updated_at_idx ON sei.scm_issues (issue_updated_at)',
  'CREATE INDEX cicd_job_run_tests_end_time_idx ON sei.cicd_job_run_tests (end_time)',
  'CREATE INDEX cicd_job_run_tests_run_idx ON sei.cicd_job_run_tests (cicd_job_run_id)',
  'CREATE INDEX cicd_job_run_tests_job_test_idx ON sei.cicd_job_run_tests (job_normalized_full_name, test_name)',
  'CREATE INDEX pagerduty_incidents_created_at_idx ON sei.pagerduty_incidents (created_at)',
  'CREATE INDEX pagerduty_alerts_incident_id_idx ON sei.pagerduty_alerts (incident_id)',
  'CREATE INDEX jira_issues_sprint_ids_idx ON sei.jira_issues USING gin (sprint_ids)',
  'CREATE INDEX workitems_sprint_full_names_idx ON sei.workitems USING gin (sprint_full_names)',
];

const UP: readonly string[] = [
  ...TABLES.map(
    (table) => `CREATE TABLE sei.${table.name} (
  ${table.key.map((column) => `${column} text NOT NULL`).join(',\n  ')},${table.columns},
  raw jsonb NOT NULL,${BOOKKEEPING},
  PRIMARY KEY (${table.key.join(', ')})
)`,
  ),
  'ALTER TABLE sei.jira_issues ADD COLUMN sprint_ids text[]',
  'ALTER TABLE sei.workitems ADD COLUMN sprint_full_names text[]',
  ...INDEXES,
  ...TABLES.flatMap((table) => tableStatements(table.name, table.key)),
];

const DOWN: readonly string[] = [
  ...TABLES.flatMap((table) => [
    `DROP FUNCTION IF EXISTS sei_history.${table.name}_as_of(timestamptz)`,
    `DROP TABLE IF EXISTS sei_history.${table.name}`,
    `DROP TABLE IF EXISTS sei.${table.name}`,
  ]),
  'DROP INDEX IF EXISTS sei.jira_issues_sprint_ids_idx',
  'DROP INDEX IF EXISTS sei.workitems_sprint_full_names_idx',
  'ALTER TABLE sei.jira_issues DROP COLUMN IF EXISTS sprint_ids',
  'ALTER TABLE sei.workitems DROP COLUMN IF EXISTS sprint_full_names',
];

// biome-ignore lint/suspicious/noExplicitAny: the signature Kysely's Migration interface declares
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, UP);
}

// biome-ignore lint/suspicious/noExplicitAny: the signature Kysely's Migration interface declares
export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, DOWN);
}
