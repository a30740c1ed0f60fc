/**
 * The `sei` schema: one table per stream plus the Jira history child tables.
 *
 * The DDL is frozen here as plain SQL, not generated from the stream TableSpecs: a migration that
 * ran must never change when a spec changes later (a new column is a new migration). The
 * integration test checks that these tables still match the specs. Plain PostgreSQL only (no
 * extensions), so it runs on PostgreSQL 15+ and on PGlite; one statement per query, because the
 * extended protocol (PGlite, prepared queries) takes one at a time.
 */
import { type Kysely, sql } from 'kysely';

/** Bookkeeping columns of every entity table (filled by the upsert, not by the normalizers). */
export const BOOKKEEPING = `
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_synced_at timestamptz NOT NULL DEFAULT now(),
  run_id uuid,
  deleted_at timestamptz,
  row_hash text NOT NULL`;

const UP: readonly string[] = [
  'CREATE SCHEMA IF NOT EXISTS sei',

  `CREATE TABLE sei.integrations (
  id text NOT NULL,
  name text,
  description text,
  application text,
  url text,
  status text,
  satellite boolean,
  authentication text,
  tags text[],
  metadata jsonb,
  created_at timestamptz,
  updated_at timestamptz,
  raw jsonb NOT NULL,${BOOKKEEPING},
  PRIMARY KEY (id)
)`,
  'CREATE INDEX integrations_updated_at_idx ON sei.integrations (updated_at)',
  'CREATE INDEX integrations_application_idx ON sei.integrations (application)',

  `CREATE TABLE sei.jira_issues (
  integration_id text NOT NULL,
  issue_key text NOT NULL,
  id text,
  project text,
  summary text,
  status text,
  status_category text,
  issue_type text,
  priority text,
  assignee text,
  assignee_id text,
  reporter text,
  reporter_id text,
  epic text,
  parent_key text,
  story_points double precision,
  resolution text,
  desc_size integer,
  hops integer,
  bounces integer,
  num_attachments integer,
  original_estimate bigint,
  issue_created_at timestamptz,
  issue_updated_at timestamptz,
  issue_resolved_at timestamptz,
  issue_due_at timestamptz,
  first_comment_at timestamptz,
  ingested_at timestamptz,
  created_at timestamptz,
  labels text[],
  fix_versions text[],
  versions text[],
  components text[],
  custom_fields jsonb,
  raw jsonb NOT NULL,${BOOKKEEPING},
  PRIMARY KEY (integration_id, issue_key)
)`,
  'CREATE INDEX jira_issues_issue_updated_at_idx ON sei.jira_issues (issue_updated_at)',
  'CREATE INDEX jira_issues_project_idx ON sei.jira_issues (integration_id, project)',
  'CREATE INDEX jira_issues_assignee_idx ON sei.jira_issues (assignee)',
  'CREATE INDEX jira_issues_epic_idx ON sei.jira_issues (integration_id, epic) WHERE epic IS NOT NULL',
  'CREATE INDEX jira_issues_parent_key_idx ON sei.jira_issues (integration_id, parent_key) WHERE parent_key IS NOT NULL',

  `CREATE TABLE sei.jira_issue_status_history (
  integration_id text NOT NULL,
  issue_key text NOT NULL,
  ordinal integer NOT NULL,
  status text,
  start_time timestamptz,
  end_time timestamptz,
  run_id uuid,
  PRIMARY KEY (integration_id, issue_key, ordinal),
  FOREIGN KEY (integration_id, issue_key) REFERENCES sei.jira_issues (integration_id, issue_key) ON DELETE CASCADE
)`,
  'CREATE INDEX jira_issue_status_history_status_idx ON sei.jira_issue_status_history (status)',

  `CREATE TABLE sei.jira_issue_assignee_history (
  integration_id text NOT NULL,
  issue_key text NOT NULL,
  ordinal integer NOT NULL,
  assignee text,
  start_time timestamptz,
  end_time timestamptz,
  run_id uuid,
  PRIMARY KEY (integration_id, issue_key, ordinal),
  FOREIGN KEY (integration_id, issue_key) REFERENCES sei.jira_issues (integration_id, issue_key) ON DELETE CASCADE
)`,
  'CREATE INDEX jira_issue_assignee_history_assignee_idx ON sei.jira_issue_assignee_history (assignee)',

  `CREATE TABLE sei.workitems (
  integration_id text NOT NULL,
  workitem_id text NOT NULL,
  id text,
  project text,
  summary text,
  status text,
  status_category text,
  workitem_type text,
  priority text,
  assignee text,
  assignee_id text,
  reporter text,
  reporter_id text,
  epic text,
  parent_workitem_id text,
  story_points double precision,
  resolution text,
  is_active boolean,
  desc_size integer,
  hops integer,
  bounces integer,
  num_attachments integer,
  original_estimate bigint,
  workitem_created_at timestamptz,
  workitem_updated_at timestamptz,
  workitem_resolved_at timestamptz,
  workitem_due_at timestamptz,
  first_comment_at timestamptz,
  ingested_at timestamptz,
  labels text[],
  fix_versions text[],
  versions text[],
  components text[],
  sprint_ids text[],
  custom_fields jsonb,
  attributes jsonb,
  raw jsonb NOT NULL,${BOOKKEEPING},
  PRIMARY KEY (integration_id, workitem_id)
)`,
  'CREATE INDEX workitems_workitem_updated_at_idx ON sei.workitems (workitem_updated_at)',
  'CREATE INDEX workitems_project_idx ON sei.workitems (integration_id, project)',
  'CREATE INDEX workitems_assignee_idx ON sei.workitems (assignee)',

  `CREATE TABLE sei.scm_pull_requests (
  id text NOT NULL,
  integration_id text,
  repo_ids text[],
  project text,
  number integer,
  title text,
  state text,
  merged boolean,
  creator text,
  creator_id text,
  merge_sha text,
  source_branch text,
  target_branch text,
  assignees text[],
  assignee_ids text[],
  reviewers text[],
  reviewer_ids text[],
  approvers text[],
  approver_ids text[],
  labels text[],
  commit_shas text[],
  lines_added integer,
  lines_deleted integer,
  lines_changed integer,
  files_count integer,
  comment_count integer,
  commits_count integer,
  pr_created_at timestamptz,
  pr_updated_at timestamptz,
  pr_merged_at timestamptz,
  pr_closed_at timestamptz,
  first_review_at timestamptz,
  raw jsonb NOT NULL,${BOOKKEEPING},
  PRIMARY KEY (id)
)`,
  'CREATE INDEX scm_pull_requests_pr_updated_at_idx ON sei.scm_pull_requests (pr_updated_at)',
  'CREATE INDEX scm_pull_requests_integration_id_idx ON sei.scm_pull_requests (integration_id)',
  'CREATE INDEX scm_pull_requests_repo_ids_idx ON sei.scm_pull_requests USING gin (repo_ids)',
  'CREATE INDEX scm_pull_requests_creator_id_idx ON sei.scm_pull_requests (creator_id)',

  `CREATE TABLE sei.scm_commits (
  commit_key text NOT NULL,
  id text,
  integration_id text,
  commit_sha text,
  repo_ids text[],
  project text,
  vcs_type text,
  branch text,
  author text,
  author_id text,
  committer text,
  committer_id text,
  message text,
  additions integer,
  deletions integer,
  changes integer,
  files_count integer,
  commit_url text,
  committed_at timestamptz,
  commit_pushed_at timestamptz,
  ingested_at timestamptz,
  raw jsonb NOT NULL,${BOOKKEEPING},
  PRIMARY KEY (commit_key)
)`,
  'CREATE INDEX scm_commits_committed_at_idx ON sei.scm_commits (committed_at)',
  'CREATE INDEX scm_commits_sha_idx ON sei.scm_commits (integration_id, commit_sha)',
  'CREATE INDEX scm_commits_repo_ids_idx ON sei.scm_commits USING gin (repo_ids)',
  'CREATE INDEX scm_commits_author_id_idx ON sei.scm_commits (author_id)',

  `CREATE TABLE sei.cicd_job_runs (
  id text NOT NULL,
  integration_id text,
  cicd_job_id text,
  job_name text,
  job_normalized_full_name text,
  job_run_number bigint,
  instance_guid text,
  instance_name text,
  project_name text,
  status text,
  start_time timestamptz,
  end_time timestamptz,
  duration_seconds integer,
  cicd_user_id text,
  scm_url text,
  scm_commit_ids text[],
  env text,
  tags text[],
  params jsonb,
  raw jsonb NOT NULL,${BOOKKEEPING},
  PRIMARY KEY (id)
)`,
  'CREATE INDEX cicd_job_runs_end_time_idx ON sei.cicd_job_runs (end_time)',
  'CREATE INDEX cicd_job_runs_start_time_idx ON sei.cicd_job_runs (start_time)',
  'CREATE INDEX cicd_job_runs_job_idx ON sei.cicd_job_runs (job_normalized_full_name)',
  'CREATE INDEX cicd_job_runs_cicd_job_id_idx ON sei.cicd_job_runs (cicd_job_id)',

  `CREATE TABLE sei.org_users (
  user_key text NOT NULL,
  id text,
  full_name text,
  email text,
  integration_user_ids jsonb,
  integration_user_keys text[],
  additional_fields jsonb,
  version text,
  created_at timestamptz,
  updated_at timestamptz,
  raw jsonb NOT NULL,${BOOKKEEPING},
  PRIMARY KEY (user_key)
)`,
  'CREATE INDEX org_users_integration_user_keys_idx ON sei.org_users USING gin (integration_user_keys)',
  'CREATE INDEX org_users_email_idx ON sei.org_users (email) WHERE deleted_at IS NULL',

  `CREATE TABLE sei.org_units (
  id text NOT NULL,
  ou_id text,
  name text,
  path text,
  parent_ref_id text,
  version text,
  ou_category_id text,
  workspace_id text,
  managers jsonb,
  admins jsonb,
  tags text[],
  member_user_ids text[],
  sections jsonb,
  no_of_dashboards integer,
  default_dashboard_id text,
  created_at timestamptz,
  updated_at timestamptz,
  raw jsonb NOT NULL,${BOOKKEEPING},
  PRIMARY KEY (id)
)`,
  'CREATE INDEX org_units_parent_ref_id_idx ON sei.org_units (parent_ref_id) WHERE deleted_at IS NULL',
  'CREATE INDEX org_units_ou_category_id_idx ON sei.org_units (ou_category_id) WHERE deleted_at IS NULL',
  'CREATE INDEX org_units_member_user_ids_idx ON sei.org_units USING gin (member_user_ids)',

  `CREATE TABLE sei.collection_categories (
  id text NOT NULL,
  name text,
  description text,
  is_predefined boolean,
  enabled boolean,
  root_ou_ref_id text,
  root_ou_id text,
  root_ou_name text,
  workspace_id text,
  created_at timestamptz,
  updated_at timestamptz,
  raw jsonb NOT NULL,${BOOKKEEPING},
  PRIMARY KEY (id)
)`,
];

/** Children before parents; the schema last and without CASCADE, so objects users added there survive. */
const DOWN: readonly string[] = [
  'DROP TABLE IF EXISTS sei.jira_issue_status_history',
  'DROP TABLE IF EXISTS sei.jira_issue_assignee_history',
  'DROP TABLE IF EXISTS sei.jira_issues',
  'DROP TABLE IF EXISTS sei.integrations',
  'DROP TABLE IF EXISTS sei.workitems',
  'DROP TABLE IF EXISTS sei.scm_pull_requests',
  'DROP TABLE IF EXISTS sei.scm_commits',
  'DROP TABLE IF EXISTS sei.cicd_job_runs',
  'DROP TABLE IF EXISTS sei.org_users',
  'DROP TABLE IF EXISTS sei.org_units',
  'DROP TABLE IF EXISTS sei.collection_categories',
  'DROP SCHEMA IF EXISTS sei',
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
