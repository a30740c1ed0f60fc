/**
 * The records a profile counts as deployments (or failures), read from the live dataset: merged PRs
 * (SCM), Jira issues matching the profile's filter (IM), runs of the chosen jobs (CICD), scoped to the
 * collection's members and the profile's integrations. Mirrors the SQL of ScmDoraService,
 * JiraDoraService and CiCdDoraService as far as the simulator's records carry the fields.
 */
import type { SeiRecord } from '../../extract/sei/types.js';
import type { StreamName } from '../../streams/types.js';
import type { Dataset } from '../dataset.js';
import { QueryError, ServerError } from '../query.js';
import { JIRA_INTEGRATION_IDS } from '../universe.js';
import type { TimeRange } from './buckets.js';

/** VelocityConfigDTO.FilterTypes, the parts the simulator reads. */
export interface FilterTypes {
  integration_type?: string;
  calculation_field?: string;
  deployment_route?: string;
  deployment_criteria?: string;
  scm_filters?: Record<string, Record<string, string[]>>;
  event?: { type?: string; values?: string[] };
  filter?: Record<string, unknown>;
}

/** Who the collection is: undefined sets mean "everyone" (a collection without members). */
export interface CollectionScope {
  scmLogins?: ReadonlySet<string>;
  cicdUsers?: ReadonlySet<string>;
  fullNames?: ReadonlySet<string>;
}

export interface Deployment {
  ordinal: number;
  record: SeiRecord;
  /** The calculation field's instant, epoch seconds (fractional for CI/CD's ms). */
  at: number;
}

const CICD_INTEGRATION_IDS = new Set(['6011', '7003']);

/** Live records of a stream with their ordinals. */
export function* liveRecords(
  dataset: Dataset,
  stream: StreamName,
): Generator<{ ordinal: number; record: SeiRecord }> {
  const state = dataset.state(stream);
  for (let ordinal = 0; ordinal < state.size; ordinal++)
    if (state.isLive(ordinal)) yield { ordinal, record: state.record(ordinal) };
}

/** The collection's members' identities (`default_section.users` → org users' integration ids). */
export function scopeOf(dataset: Dataset, unit: SeiRecord): CollectionScope {
  const users = (unit.default_section as { users?: string[] } | undefined)?.users ?? [];
  if (users.length === 0) return {};
  const members = new Set(users);
  const scmLogins = new Set<string>();
  const cicdUsers = new Set<string>();
  const fullNames = new Set<string>();
  for (const { record } of liveRecords(dataset, 'org_users')) {
    if (!members.has(String(record.id))) continue;
    fullNames.add(String(record.full_name));
    for (const identity of (record.integration_user_ids as { integration_id: string; user_id: string }[]) ??
      []) {
      if (CICD_INTEGRATION_IDS.has(identity.integration_id)) cicdUsers.add(identity.user_id);
      else scmLogins.add(identity.user_id);
    }
  }
  return { scmLogins, cicdUsers, fullNames };
}

/** Whether the collection includes `value` (everyone when it has no members). */
export const inScope = (set: ReadonlySet<string> | undefined, value: unknown) =>
  set === undefined || set.has(String(value));

function matchesOp(value: string, op: string, patterns: readonly string[]): boolean {
  return patterns.some((p) =>
    op === '$begins'
      ? value.startsWith(p)
      : op === '$ends'
        ? value.endsWith(p)
        : op === '$contains' && value.includes(p),
  );
}

/** `scm_filters`: conditions OR-ed across fields (`String.join(" OR ", ...)`); none means every PR. */
function scmFiltersMatch(pr: SeiRecord, filters: FilterTypes['scm_filters']): boolean {
  const conditions = Object.entries(filters ?? {}).filter(
    ([field]) => field !== 'commit_branch' && field !== 'tags',
  );
  if (conditions.length === 0) return true;
  return conditions.some(([field, ops]) => {
    const raw = pr[field];
    const values = Array.isArray(raw) ? raw.map(String) : raw === undefined ? [] : [String(raw)];
    return Object.entries(ops).some(([op, patterns]) => values.some((v) => matchesOp(v, op, patterns)));
  });
}

function scmCriteriaMatch(pr: SeiRecord, criteria: string | undefined): boolean {
  const merged = pr.merged === true;
  const closed = Number(pr.pr_closed_at) > 0;
  if (criteria === 'pr_closed') return closed;
  if (criteria === 'pr_merged_closed') return merged && closed;
  return merged;
}

const JIRA_FILTER_FIELDS: Readonly<Record<string, string>> = {
  statuses: 'status',
  issue_types: 'issue_type',
  priorities: 'priority',
  projects: 'project',
};

function jiraFilterMatch(issue: SeiRecord, filter: Record<string, unknown> | undefined): boolean {
  for (const [name, field] of Object.entries(JIRA_FILTER_FIELDS)) {
    const wanted = filter?.[name];
    if (Array.isArray(wanted) && wanted.length > 0 && !wanted.map(String).includes(String(issue[field])))
      return false;
  }
  return true;
}

function cicdFilterMatch(run: SeiRecord, types: FilterTypes): boolean {
  const jobs = types.event?.values ?? [];
  if (jobs.length > 0 && !jobs.includes(String(run.job_id))) return false;
  const statuses = types.filter?.job_statuses;
  return !(
    Array.isArray(statuses) &&
    statuses.length > 0 &&
    !statuses.map(String).includes(String(run.status))
  );
}

/** Which stream a source reads, what selects a record, where its instant is and in which unit. */
function plan(types: FilterTypes, integrationIds: readonly string[], scope: CollectionScope) {
  const ids = new Set(integrationIds);
  switch (types.integration_type) {
    case 'SCM': {
      if (types.deployment_route !== 'pr') throw new ServerError('Invalid Profile');
      return {
        stream: 'scm_pull_requests' as const,
        field: types.calculation_field ?? 'pr_merged_at',
        scale: 1,
        keep: (pr: SeiRecord) =>
          ids.has(String(pr.integration_id)) &&
          inScope(scope.scmLogins, pr.creator) &&
          scmCriteriaMatch(pr, types.deployment_criteria) &&
          scmFiltersMatch(pr, types.scm_filters),
      };
    }
    case 'IM': {
      const first = integrationIds[0];
      if (first === undefined || !(JIRA_INTEGRATION_IDS as readonly string[]).includes(first)) {
        throw new QueryError(`Invalid integration id [${integrationIds.join(', ')}] for Issue Management`);
      }
      return {
        stream: 'jira_issues' as const,
        field: types.calculation_field ?? 'issue_resolved_at',
        scale: 1,
        keep: (issue: SeiRecord) =>
          ids.has(String(issue.integration_id)) &&
          inScope(scope.fullNames, issue.assignee) &&
          jiraFilterMatch(issue, types.filter),
      };
    }
    case 'CICD':
      return {
        stream: 'cicd_job_runs' as const,
        field: types.calculation_field ?? 'end_time',
        scale: 1000,
        keep: (run: SeiRecord) =>
          ids.has(String(run.cicd_integration_id)) &&
          inScope(scope.cicdUsers, run.cicd_user_id) &&
          cicdFilterMatch(run, types),
      };
    default:
      // `switch (integrationType)` on null.
      throw new ServerError(`Cannot invoke "String.hashCode()" because "integrationType" is null`);
  }
}

/** The source's stream (for the drilldown's default order and row shape). */
export function streamOf(types: FilterTypes): StreamName {
  return types.integration_type === 'SCM'
    ? 'scm_pull_requests'
    : types.integration_type === 'IM'
      ? 'jira_issues'
      : 'cicd_job_runs';
}

/** The records the profile counts whose calculation field lies strictly inside the range. */
export function deploymentsOf(
  dataset: Dataset,
  scope: CollectionScope,
  types: FilterTypes,
  integrationIds: readonly string[],
  range: TimeRange,
): Deployment[] {
  const { stream, field, scale, keep } = plan(types, integrationIds, scope);
  const out: Deployment[] = [];
  for (const { ordinal, record } of liveRecords(dataset, stream)) {
    const raw = record[field];
    if (typeof raw !== 'number' || raw === 0) continue;
    const at = raw / scale;
    if (at > range.gt && at < range.lt && keep(record)) out.push({ ordinal, record, at });
  }
  return out;
}
