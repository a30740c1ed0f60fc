/**
 * SEI's own DORA per collection and its contributor counts (src/streams/dora.ts, src/dora/): four `sei`
 * tables with their `sei_history` tables (SCD type 2, as migration 003), and `sei_bi` views:
 *
 * - sei_dora_buckets: SEI's deployment frequency and change failure rate per collection by day, ISO week
 *   and month, rolled up from its day buckets the way the server rolls them up;
 * - sei_dora_trend: the as-of stats of each snapshot date (band, totals, rate, lead time / MTTR);
 * - sei_dora_side_by_side: SEI's day buckets next to the warehouse's own count of the same deployments
 *   (the profile's source, filters and integrations, over the synced tables), with the difference;
 * - sei_contributor_counts: licensed contributors and identities per snapshot date.
 *
 * Frozen SQL, run as one `DO` block (./run-statements.ts). Key columns are text, as everywhere in `sei`.
 */
import type { Kysely } from 'kysely';
import { BOOKKEEPING } from './001_sei_tables.js';
import { tableStatements } from './003_history.js';
import { runStatements } from './run-statements.js';

const TABLES: readonly { name: string; key: readonly string[]; columns: string }[] = [
  {
    name: 'dora_buckets',
    key: ['collection_id', 'metric', 'day'],
    columns: `
  bucket_start timestamptz,
  count integer,
  additional_key text,
  profile_id text,
  source text`,
  },
  {
    name: 'dora_snapshots',
    key: ['snapshot_date', 'collection_id', 'metric'],
    columns: `
  window_start timestamptz,
  window_end timestamptz,
  profile_id text,
  source text,
  band text,
  total_deployment bigint,
  failure_rate double precision,
  count_per_day double precision,
  count_per_week double precision,
  count_per_month double precision,
  is_absolute boolean,
  stages jsonb`,
  },
  {
    name: 'dora_drilldown',
    key: ['collection_id', 'widget', 'row_id'],
    columns: `
  source text,
  deployed_at timestamptz,
  title text,
  status text`,
  },
  {
    name: 'sei_contributors',
    key: ['snapshot_date', 'org_user_id'],
    columns: `
  org_user_ref_id text,
  full_name text,
  email text,
  integration_user_count integer,
  integration_types text[]`,
  },
];

/** The warehouse's own count of what a profile's FilterTypes `f` counts, per UTC day (§3 of the notes). */
const OWN_COUNTS = `
  SELECT 'SCM'::text AS source, pr.integration_id, (pr.pr_merged_at AT TIME ZONE 'UTC')::date AS day,
    pr.target_branch AS branch, NULL::text AS job_id, NULL::text AS status, NULL::text AS issue_type
  FROM sei.scm_pull_requests pr WHERE pr.deleted_at IS NULL AND pr.merged AND pr.pr_merged_at IS NOT NULL
  UNION ALL
  SELECT 'CICD', r.integration_id, (r.end_time AT TIME ZONE 'UTC')::date, NULL, r.cicd_job_id, r.status, NULL
  FROM sei.cicd_job_runs r WHERE r.deleted_at IS NULL AND r.end_time IS NOT NULL
  UNION ALL
  SELECT 'IM', i.integration_id, (i.issue_resolved_at AT TIME ZONE 'UTC')::date, NULL, NULL, i.status, i.issue_type
  FROM sei.jira_issues i WHERE i.deleted_at IS NULL AND i.issue_resolved_at IS NOT NULL`;

const VIEWS: readonly { name: string; body: string; comment: string }[] = [
  {
    name: 'sei_dora_buckets',
    comment:
      "SEI's own deployment frequency and change failure rate (failed deployments) per collection, as SEI buckets them: grain day, week (ISO, Monday) or month (UTC), summed from the day buckets of sei.dora_buckets (the first and last week or month of the window are partial, as in SEI).",
    body: `
WITH days AS (
  SELECT b.collection_id, u.name AS collection_name, b.metric, b.day::date AS day, b.count, b.profile_id, b.source
  FROM sei.dora_buckets b LEFT JOIN sei.org_units u ON u.id = b.collection_id
  WHERE b.deleted_at IS NULL
)
SELECT 'day'::text AS grain, collection_id, collection_name, metric, day AS bucket, count::bigint AS count, profile_id, source FROM days
UNION ALL
SELECT 'week', collection_id, collection_name, metric, date_trunc('week', day)::date, sum(count), profile_id, source
FROM days GROUP BY 2, 3, 4, 5, 7, 8
UNION ALL
SELECT 'month', collection_id, collection_name, metric, date_trunc('month', day)::date, sum(count), profile_id, source
FROM days GROUP BY 2, 3, 4, 5, 7, 8`,
  },
  {
    name: 'sei_dora_trend',
    comment:
      "SEI's DORA stats as they were on each snapshot date (one row per date, collection and metric, never rewritten after that day): band, total_deployment, failure_rate (percent), count_per_day; for lead_time and mean_time the sum of the stage medians and means in seconds and the stage count.",
    body: `
SELECT s.snapshot_date::date AS snapshot_date, s.collection_id, u.name AS collection_name, s.metric,
  s.window_start, s.window_end, s.band, s.total_deployment, s.failure_rate, s.count_per_day,
  s.count_per_week, s.count_per_month, s.is_absolute,
  (SELECT sum((st->>'median')::numeric) FROM jsonb_array_elements(s.stages) st) AS median_seconds_total,
  (SELECT round(sum((st->>'mean')::numeric), 2) FROM jsonb_array_elements(s.stages) st) AS mean_seconds_total,
  jsonb_array_length(s.stages) AS stage_count, s.profile_id, s.source
FROM sei.dora_snapshots s LEFT JOIN sei.org_units u ON u.id = s.collection_id
WHERE s.deleted_at IS NULL`,
  },
  {
    name: 'sei_dora_side_by_side',
    comment:
      "Per collection, metric and day of SEI's window: SEI's count (sei.dora_buckets) next to the warehouse's own count of what the collection's workflow profile counts (its source SCM/CICD/IM, integrations, target branch prefix, jobs, job statuses, issue statuses and types), and the difference. The warehouse's count is not limited to the collection's members, and counts what was synced (late or deleted records differ): those are the usual reasons the two disagree.",
    body: `
WITH profiles AS (
  SELECT b.collection_id, b.metric, b.day::date AS day, b.count AS sei_count, b.profile_id,
    CASE b.metric WHEN 'deployment_frequency' THEN p.deployment_frequency #> '{filters,deployment_frequency}'
      ELSE p.change_failure_rate #> '{filters,failed_deployment}' END AS f,
    CASE b.metric WHEN 'deployment_frequency' THEN p.deployment_frequency ELSE p.change_failure_rate END AS m
  FROM sei.dora_buckets b
  LEFT JOIN sei.workflow_profiles p ON p.id = b.profile_id
  WHERE b.deleted_at IS NULL
), own AS (${OWN_COUNTS}
)
SELECT pr.collection_id, u.name AS collection_name, pr.metric, pr.day, pr.f->>'integration_type' AS source,
  pr.sei_count, w.own_count, w.own_count - pr.sei_count AS difference, pr.profile_id
FROM profiles pr
LEFT JOIN sei.org_units u ON u.id = pr.collection_id
CROSS JOIN LATERAL (
  SELECT count(*)::integer AS own_count FROM own o
  WHERE o.day = pr.day AND o.source = pr.f->>'integration_type'
    AND (pr.m->'integration_ids' IS NULL OR o.integration_id IN (SELECT jsonb_array_elements_text(pr.m->'integration_ids')))
    AND (pr.f #>> '{scm_filters,target_branch,$begins,0}' IS NULL OR o.branch LIKE (pr.f #>> '{scm_filters,target_branch,$begins,0}') || '%')
    AND (o.source <> 'CICD' OR pr.f #> '{event,values}' IS NULL OR o.job_id IN (SELECT jsonb_array_elements_text(pr.f #> '{event,values}')))
    AND (o.source <> 'CICD' OR pr.f #> '{filter,job_statuses}' IS NULL OR o.status IN (SELECT jsonb_array_elements_text(pr.f #> '{filter,job_statuses}')))
    AND (o.source <> 'IM' OR pr.f #> '{filter,statuses}' IS NULL OR o.status IN (SELECT jsonb_array_elements_text(pr.f #> '{filter,statuses}')))
    AND (o.source <> 'IM' OR pr.f #> '{filter,issue_types}' IS NULL OR o.issue_type IN (SELECT jsonb_array_elements_text(pr.f #> '{filter,issue_types}')))
) w`,
  },
  {
    name: 'sei_contributor_counts',
    comment:
      'Licensed contributors per snapshot date as /v1/sei_contributor/list counts them (org users with an SCM identity; Bitbucket Server users are missing on the server) and their identities.',
    body: `
SELECT snapshot_date::date AS snapshot_date, count(*) AS org_user_count, sum(integration_user_count) AS integration_user_count
FROM sei.sei_contributors WHERE deleted_at IS NULL GROUP BY 1`,
  },
];

const UP: readonly string[] = [
  ...TABLES.map(
    (table) => `CREATE TABLE sei.${table.name} (
  ${table.key.map((column) => `${column} text NOT NULL`).join(',\n  ')},${table.columns},
  raw jsonb NOT NULL,${BOOKKEEPING},
  PRIMARY KEY (${table.key.join(', ')})
)`,
  ),
  'CREATE INDEX dora_buckets_day_idx ON sei.dora_buckets (day)',
  'CREATE INDEX dora_drilldown_deployed_at_idx ON sei.dora_drilldown (deployed_at)',
  ...TABLES.flatMap((table) => tableStatements(table.name, table.key)),
  ...VIEWS.flatMap((view) => [
    `CREATE VIEW sei_bi.${view.name} AS ${view.body}`,
    `COMMENT ON VIEW sei_bi.${view.name} IS '${view.comment.replaceAll("'", "''")}'`,
  ]),
];

const DOWN: readonly string[] = [
  ...VIEWS.map((view) => `DROP VIEW sei_bi.${view.name}`),
  ...TABLES.flatMap((table) => [
    `DROP FUNCTION sei_history.${table.name}_as_of(timestamptz)`,
    `DROP TABLE sei_history.${table.name}`,
    `DROP TABLE sei.${table.name}`,
  ]),
];

// biome-ignore lint/suspicious/noExplicitAny: the signature Kysely's Migration interface declares
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, UP);
}

// biome-ignore lint/suspicious/noExplicitAny: the signature Kysely's Migration interface declares
export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, DOWN);
}
