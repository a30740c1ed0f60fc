/**
 * The DORA endpoints (`/v1/dora/*`, DoraController) and `/v1/sei_contributor/list`, computed from the
 * live dataset per collection as DoraService does (docs/sei-dora-server.md). Failures are thrown as
 * QueryError (400) or ServerError (500) with the server's message; the HTTP side writes them.
 */
import type { SeiRecord } from '../../extract/sei/types.js';
import type { Dataset } from '../dataset.js';
import { scmUserId } from '../generators/scm-pull-requests.js';
import { QueryError, ServerError } from '../query.js';
import { CORE_INTEGRATIONS } from '../universe.js';
import {
  changeFailureRateStats,
  dayOf,
  deploymentFrequencyStats,
  type TimeRange,
  timeSeries,
  totalOf,
} from './buckets.js';
import {
  type CollectionScope,
  type Deployment,
  deploymentsOf,
  type FilterTypes,
  liveRecords,
  scopeOf,
  streamOf,
} from './sources.js';
import { type VelocitySection, velocityAggregates } from './velocity.js';

export const DORA_ROUTES = {
  '/v1/dora/deployment_frequency': 'deployment_frequency',
  '/v1/dora/change_failure_rate': 'change_failure_rate',
  '/v1/dora/lead-time': 'lead_time',
  '/v1/dora/mean-time': 'mean_time',
  '/v1/dora/drilldown/list': 'drilldown',
  '/v1/sei_contributor/list': 'contributors',
} as const;

export type DoraRoute = (typeof DORA_ROUTES)[keyof typeof DORA_ROUTES];

/** The route under any prefix (`/gratis/sei/api/v1/dora/...`), as the list endpoints match. */
export function matchDoraRoute(pathname: string): DoraRoute | undefined {
  const trimmed = pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
  for (const [path, route] of Object.entries(DORA_ROUTES)) if (trimmed.endsWith(path)) return route;
  return undefined;
}

/** Routes that read no request body (`/v1/sei_contributor/list` has no `@RequestBody`). */
export const BODYLESS_ROUTES: ReadonlySet<DoraRoute> = new Set(['contributors']);

/** Spring's message for an exception without one (an NPE on a null section, a `put` on an immutable map). */
const NO_MESSAGE = 'No message available';
const DEFAULT_PAGE_SIZE = 1000;
const WIDGETS = {
  deployment_frequency_report: 'deployment_frequency',
  change_failure_rate: 'change_failure_rate',
} as const;

/** The answer to one DORA request as JSON bytes, or a thrown QueryError / ServerError. */
export function answerDora(
  route: DoraRoute,
  dataset: Dataset,
  body: Record<string, unknown>,
): { body: Buffer; records: number } {
  const json = (value: unknown, records = 0) => ({ body: Buffer.from(JSON.stringify(value)), records });
  if (route === 'contributors') {
    const answer = contributors(dataset);
    return json(answer, answer.org_user_details.length);
  }
  const collection = collectionOf(dataset, body);
  const filter = filterOf(body);
  if (route === 'lead_time' || route === 'mean_time') {
    const section =
      collection.profile[route === 'lead_time' ? 'lead_time_for_changes' : 'mean_time_to_restore'];
    if (typeof section !== 'object' || section === null) throw new ServerError(NO_MESSAGE);
    if (body.across === 'values') throw new QueryError('across value values not supported!');
    const records = velocityAggregates(dataset, collection.scope, section as VelocitySection, {
      filter,
      parseRange,
    });
    const pageSize = pageSizeOf(body);
    return json(
      {
        records,
        count: records.length,
        _metadata: {
          page_size: pageSize,
          page: numberOf(body.page, 0),
          has_next: records.length >= pageSize,
        },
      },
      records.length,
    );
  }
  if (route === 'drilldown') {
    const widget = WIDGETS[String(body.widget) as keyof typeof WIDGETS];
    if (widget === undefined) throw new ServerError(NO_MESSAGE);
    const metric = metricOf(collection.profile, widget);
    const types = sectionOf(
      metric,
      widget === 'deployment_frequency' ? 'deployment_frequency' : 'failed_deployment',
    );
    const range = rangeOf(filter, types);
    return drilldown(
      body,
      deploymentsOf(dataset, collection.scope, types, integrationIdsOf(metric), range),
      types,
    );
  }
  const metric = metricOf(collection.profile, route);
  if (route === 'deployment_frequency') {
    const types = sectionOf(metric, 'deployment_frequency');
    const range = rangeOf(filter, types);
    const series = seriesOf(
      deploymentsOf(dataset, collection.scope, types, integrationIdsOf(metric), range),
      range,
    );
    return json({ time_series: series, stats: deploymentFrequencyStats(totalOf(series), range) });
  }
  const failedTypes = sectionOf(metric, 'failed_deployment');
  const range = rangeOf(filter, failedTypes);
  const ids = integrationIdsOf(metric);
  const series = seriesOf(deploymentsOf(dataset, collection.scope, failedTypes, ids, range), range);
  const failed = totalOf(series);
  if (typeof metric.is_absolute !== 'boolean') throw new ServerError(NO_MESSAGE);
  if (metric.is_absolute)
    return json({ time_series: series, stats: changeFailureRateStats(failed, undefined) });
  const total = deploymentsOf(
    dataset,
    collection.scope,
    sectionOf(metric, 'total_deployment'),
    ids,
    range,
  ).length;
  const name = String(collection.profile.name);
  // SCM refuses a zero denominator even without failures; IM and CI/CD only when something failed.
  if (failedTypes.integration_type === 'SCM' && total === 0)
    throw new ServerError(`Invalid configuration for Change Failure Rate of WorkFlow Profile: ${name}`);
  if (failed > 0 && total === 0)
    throw new ServerError(`Invalid configuration for Change Failure Rate for WorkFlow Profile: ${name}`);
  return json({ time_series: series, stats: changeFailureRateStats(failed, total) });
}

interface Collection {
  profile: SeiRecord;
  scope: CollectionScope;
}

/**
 * The one collection a request is about: the first of `ou_ids` as Jackson's HashSet<Integer> iterates
 * them, and its own workflow profile (no parent or default fallback).
 */
function collectionOf(dataset: Dataset, body: Record<string, unknown>): Collection {
  const ouRefId = firstOuId(body.ou_ids);
  const unit = findLive(dataset, 'org_units', (record) => String(record.id) === String(ouRefId));
  const profileId = unit?.workflow_profile_id;
  const profile =
    profileId === undefined
      ? undefined
      : findLive(dataset, 'workflow_profiles', (record) => record.id === profileId);
  if (unit === undefined || profile === undefined)
    throw new ServerError(`Failed to get workflow profile for ou_ref_id  ${ouRefId}`);
  return { profile, scope: scopeOf(dataset, unit) };
}

function findLive(
  dataset: Dataset,
  stream: 'org_units' | 'workflow_profiles',
  match: (record: SeiRecord) => boolean,
) {
  for (const { record } of liveRecords(dataset, stream)) if (match(record)) return record;
  return undefined;
}

/** `ou_ids` as Jackson reads a `Set<Integer>` (numbers or numeric strings), then `iterator().next()`. */
export function firstOuId(raw: unknown): number {
  if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0))
    throw new ServerError('ou_id is missing in request.');
  if (!Array.isArray(raw)) throw new QueryError('ou_ids must be an array of collection ref ids');
  const ids = raw.map((value) => {
    const id = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof id !== 'number' || !Number.isInteger(id) || id > 2 ** 31 - 1 || id < -(2 ** 31))
      throw new QueryError(`ou_ids must be integers: ${JSON.stringify(value)}`);
    return id;
  });
  return javaHashSetFirst(ids);
}

/**
 * The first element a `java.util.HashSet<Integer>` iterates: by bucket `(h ^ h >>> 16) & (capacity - 1)`
 * (h = the int itself; capacity 16, doubled while size > 0.75 × capacity), then insertion order.
 * `[100, 17]` gives 17 (bucket 1 before bucket 4): the first id sent is not the one used.
 */
export function javaHashSetFirst(ids: readonly number[]): number {
  const unique = [...new Set(ids)];
  let capacity = 16;
  while (unique.length > capacity * 0.75) capacity *= 2;
  const bucket = (id: number) => (id ^ (id >>> 16)) & (capacity - 1);
  let first = unique[0] as number;
  for (const id of unique) if (bucket(id) < bucket(first)) first = id;
  return first;
}

/** `filter`: absent, the server's `put` on `Collections.emptyMap()` fails. */
function filterOf(body: Record<string, unknown>): Record<string, unknown> {
  const filter = body.filter;
  if (filter === undefined || filter === null) throw new ServerError(NO_MESSAGE);
  if (typeof filter !== 'object' || Array.isArray(filter)) throw new QueryError('filter must be an object');
  return filter as Record<string, unknown>;
}

function metricOf(
  profile: SeiRecord,
  metric: 'deployment_frequency' | 'change_failure_rate',
): Record<string, unknown> {
  const section = profile[metric];
  if (typeof section !== 'object' || section === null) throw new ServerError(NO_MESSAGE);
  return section as Record<string, unknown>;
}

function sectionOf(metric: Record<string, unknown>, name: string): FilterTypes {
  const types = (metric.filters as Record<string, unknown> | undefined)?.[name];
  if (typeof types !== 'object' || types === null) throw new ServerError(NO_MESSAGE);
  return types as FilterTypes;
}

/** The profile's integrations replace any the client sent. */
function integrationIdsOf(metric: Record<string, unknown>): string[] {
  return Array.isArray(metric.integration_ids) ? metric.integration_ids.map(String) : [];
}

/** `time_range` (copied to the calculation field by the server): required, or an NPE (Jira: a 400). */
function rangeOf(filter: Record<string, unknown>, types: FilterTypes): TimeRange {
  if (filter.time_range === undefined || filter.time_range === null) {
    if (types.integration_type === 'IM')
      throw new QueryError('Error computing DORA metric, please provide Issue Resolution range.');
    throw new ServerError(NO_MESSAGE);
  }
  return parseRange(filter.time_range, 'time_range');
}

/** `{"$gt","$lt"}` strict, epoch seconds as numbers or strings; `$gte` → start − 1, `$lte` → end + 1. */
function parseRange(value: unknown, name: string): TimeRange {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new QueryError(`${name} must be an object like {"$gt": <epoch seconds>, "$lt": <epoch seconds>}`);
  const range = value as Record<string, unknown>;
  const bound = (key: string) => {
    const raw = range[key];
    if (raw === undefined || raw === null) return undefined;
    const text = String(raw).trim();
    if (!/^-?\d{1,19}$/.test(text)) throw new QueryError(`Could not parse ${name} field`);
    return Number(text);
  };
  const gte = bound('$gte');
  const lte = bound('$lte');
  const gt = bound('$gt') ?? (gte === undefined ? undefined : gte - 1);
  const lt = bound('$lt') ?? (lte === undefined ? undefined : lte + 1);
  if (gt === undefined || lt === undefined) throw new ServerError(NO_MESSAGE);
  // The server divides by the number of days: an empty range would be a division by zero.
  if (lt <= gt) throw new QueryError(`${name}: $lt must be after $gt`);
  return { gt, lt };
}

function seriesOf(deployments: readonly Deployment[], range: TimeRange) {
  const perDay = new Map<number, number>();
  for (const { at } of deployments) perDay.set(dayOf(at), (perDay.get(dayOf(at)) ?? 0) + 1);
  return timeSeries(perDay, range);
}

const numberOf = (value: unknown, fallback: number) =>
  typeof value === 'number'
    ? value
    : typeof value === 'string' && value.trim() !== ''
      ? Number(value)
      : fallback;

function pageSizeOf(body: Record<string, unknown>): number {
  const size = numberOf(body.page_size, DEFAULT_PAGE_SIZE);
  if (!Number.isInteger(size) || size < 0) throw new QueryError('page_size must be an integer >= 0');
  return size;
}

/** DoraDrillDownDTO's properties: a record's other fields are dropped by `convertValue`. */
const DRILLDOWN_FIELDS = new Set(
  (
    'id key is_active issue_type parent_key issue_created_at issue_updated_at issue_resolved_at issue_due_at ' +
    'first_assigned_at first_assignee component_list priority_order story_points components is_active_azure ' +
    'summary priority assignee epic reporter status story_point ingested_at custom_fields versions fix_versions ' +
    'resolution status_category desc_size hops bounces num_attachments repo_id number pr_link creator title ' +
    'source_branch target_branch state merged lines_added lines_deleted lines_changed files_changed review_type ' +
    'collab_state assignees reviewers commenters approvers commit_shas pr_updated_at pr_merged_at pr_closed_at ' +
    'pr_created_at creator_id workitem_ids issue_keys comment_count approval_status cycle_time created_at project ' +
    'integration_id labels'
  ).split(' '),
);
/** Declared as String in the DTO: Jackson turns the PR's numbers into strings. */
const STRING_FIELDS = ['lines_added', 'lines_deleted', 'lines_changed', 'files_changed'];

function drilldownRow(record: SeiRecord, stream: string): SeiRecord {
  if (stream === 'cicd_job_runs') {
    const row: SeiRecord = {
      idCicd: record.id,
      cicd_job_id: record.job_id,
      job_run_number: record.job_run_number,
      status: record.status,
      start_time: record.start_time,
      duration: record.duration,
      end_time: record.end_time,
      cicd_user_id: record.cicd_user_id,
      job_name: record.job_name,
      job_normalized_full_name: record.job_normalized_full_name,
      integration_id: record.cicd_integration_id,
      scm_commit_ids: record.scm_commit_ids,
      cicd_instance_name: record.cicd_instance_name,
      tags: record.tags,
      is_active_azure: true,
    };
    return Object.fromEntries(Object.entries(row).filter(([, value]) => value !== undefined));
  }
  const row: SeiRecord = {};
  for (const [field, value] of Object.entries(record)) {
    if (!DRILLDOWN_FIELDS.has(field)) continue;
    row[field] = STRING_FIELDS.includes(field) ? String(value) : value;
  }
  row.is_active_azure = true;
  return row;
}

/** The default order of each source's drilldown (SCM's is `pr_updated_at` DESC). */
const DEFAULT_SORT: Readonly<Record<string, string>> = {
  scm_pull_requests: 'pr_updated_at',
  jira_issues: 'issue_updated_at',
  cicd_job_runs: 'start_time',
};

function drilldown(body: Record<string, unknown>, rows: Deployment[], types: FilterTypes) {
  const stream = streamOf(types);
  const requested = Array.isArray(body.sort)
    ? (body.sort[0] as { id?: unknown; desc?: unknown } | undefined)
    : undefined;
  const field = typeof requested?.id === 'string' ? requested.id : (DEFAULT_SORT[stream] as string);
  const desc = requested === undefined ? true : requested.desc === true;
  const value = (row: Deployment) => row.record[field];
  const sorted = [...rows].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    const order =
      x === y
        ? 0
        : x === undefined
          ? 1
          : y === undefined
            ? -1
            : (x as number | string) < (y as number | string)
              ? -1
              : 1;
    return (desc ? -order : order) || a.ordinal - b.ordinal;
  });
  const page = numberOf(body.page, 0);
  const pageSize = pageSizeOf(body);
  if (!Number.isInteger(page) || page < 0) throw new QueryError('page must be an integer >= 0');
  const records =
    pageSize === 0
      ? []
      : sorted.slice(page * pageSize, (page + 1) * pageSize).map((r) => drilldownRow(r.record, stream));
  const hasNext = pageSize > 0 && (page + 1) * pageSize < sorted.length;
  const metadata: Record<string, number | boolean> = { page_size: pageSize, page };
  if (hasNext) metadata.next_page = page + 1;
  metadata.has_next = hasNext;
  metadata.total_count = sorted.length;
  const answer = { records, count: records.length, _metadata: metadata };
  return { body: Buffer.from(JSON.stringify(answer)), records: records.length };
}

const SCM_APPLICATIONS = new Set(['github', 'gitlab', 'bitbucket', 'perforce']);

/**
 * `/v1/sei_contributor/list`: org users with their SCM identities only (Jira, CI/CD and boards
 * identities are not counted), grouped per org user, in no particular order.
 */
function contributors(dataset: Dataset) {
  const scm = new Map(
    CORE_INTEGRATIONS.filter((i) => SCM_APPLICATIONS.has(i.application)).map((i) => [i.id, i]),
  );
  const details: Record<string, unknown>[] = [];
  let identities = 0;
  for (const { ordinal, record } of liveRecords(dataset, 'org_users')) {
    if (record.id === '0') continue;
    const mine = ((record.integration_user_ids as { integration_id: string; user_id: string }[]) ?? [])
      .filter((identity) => scm.has(identity.integration_id))
      .map((identity) => ({
        integration_id: Number(identity.integration_id),
        integration_type: scm.get(identity.integration_id)?.application,
        integration_user_id: scmUserId(dataset.options.seed, identity.user_id, identity.integration_id),
        cloud_id: identity.user_id,
      }));
    if (mine.length === 0) continue;
    identities += mine.length;
    details.push({
      org_user_id: record.id,
      org_user_ref_id: String(ordinal + 1),
      full_name: record.full_name,
      email: record.email,
      integration_user_details: mine,
    });
  }
  // A HashMap's order: not by name, not by ref id.
  details.sort((a, b) => (String(a.org_user_id) < String(b.org_user_id) ? -1 : 1));
  return { org_user_count: details.length, integration_user_count: identities, org_user_details: details };
}
