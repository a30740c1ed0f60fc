/**
 * Lead time for changes and mean time to restore: one aggregate per stage of the profile's section
 * (pre-development custom → fixed → post-development custom), in seconds, rated by the median
 * (docs/sei-dora-server.md §4). The simulator times the stages its records can time: PR stages from
 * `pr_created_at` → `first_review_at` → `pr_merged_at`, Jira status stages from `status_list`; other
 * events are "not applicable".
 */
import type { SeiRecord } from '../../extract/sei/types.js';
import type { Dataset } from '../dataset.js';
import type { CollectionScope } from './sources.js';
import { inScope, liveRecords } from './sources.js';

export interface Stage {
  name: string;
  order?: number;
  event?: { type?: string; values?: string[] };
  lower_limit_value?: number;
  lower_limit_unit?: string;
  upper_limit_value?: number;
  upper_limit_unit?: string;
}

export interface VelocitySection {
  starting_event_is_commit_created?: boolean;
  pre_development_custom_stages?: Stage[];
  fixed_stages?: Stage[];
  post_development_custom_stages?: Stage[];
}

const EVENT_DESCRIPTIONS: Readonly<Record<string, string>> = {
  JIRA_STATUS: 'Ticket Status Changed',
  WORKITEM_STATUS: 'Workitem Status Changed',
  SCM_COMMIT_CREATED: 'First Commit',
  SCM_PR_CREATED: 'Pull Request Created',
  SCM_PR_LABEL_ADDED: 'Pull Request Label Added',
  SCM_PR_REVIEW_STARTED: 'Pull Request Review Started',
  SCM_PR_APPROVED: 'Pull Request Approved',
  SCM_PR_MERGED: 'Pull Request Merged',
  CICD_JOB_RUN: 'Cicd Job Run',
};

/** `Event.buildEventDescription` (CI/CD job names are not resolved: the simulator lists none). */
function describe(event: Stage['event']): string {
  const type = event?.type ?? '';
  const description = EVENT_DESCRIPTIONS[type] ?? type;
  if (type === 'JIRA_STATUS' || type === 'WORKITEM_STATUS')
    return `${description} from ${(event?.values ?? []).join(',')}`;
  if (type === 'CICD_JOB_RUN') return `${description} completed `;
  return description;
}

/** PR event instants (seconds); undefined when the PR never reached the event. */
function prEventAt(pr: SeiRecord, type: string | undefined): number | undefined {
  const at = (field: string) => (Number(pr[field]) > 0 ? Number(pr[field]) : undefined);
  if (type === 'SCM_PR_CREATED') return at('pr_created_at');
  if (type === 'SCM_PR_REVIEW_STARTED') return at('first_review_at');
  if (type === 'SCM_PR_MERGED') return at('pr_merged_at');
  return undefined;
}

/** Stage i of a PR: its event minus the last event reached before it (the PR's creation first). */
function prDurations(pr: SeiRecord, stages: readonly Stage[]): (number | undefined)[] {
  let previous = Number(pr.pr_created_at);
  return stages.map((stage) => {
    const at = prEventAt(pr, stage.event?.type);
    if (at === undefined) return undefined;
    const duration = Math.max(0, at - previous);
    previous = at;
    return duration;
  });
}

/** Time the issue spent in the stage's statuses (summed over visits). */
function jiraDurations(issue: SeiRecord, stages: readonly Stage[]): (number | undefined)[] {
  const visits = (issue.status_list as { status: string; start_time: number; end_time: number }[]) ?? [];
  return stages.map((stage) => {
    if (stage.event?.type !== 'JIRA_STATUS') return undefined;
    const statuses = new Set(stage.event.values ?? []);
    const mine = visits.filter((visit) => statuses.has(visit.status));
    return mine.length === 0
      ? undefined
      : mine.reduce((sum, v) => sum + Math.max(0, v.end_time - v.start_time), 0);
  });
}

/** PERCENTILE_CONT over sorted values, truncated to a long as `rs.getLong` does. */
function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  const position = fraction * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const value =
    (sorted[low] as number) + ((sorted[high] as number) - (sorted[low] as number)) * (position - low);
  return Math.trunc(value);
}

function rating(stage: Stage, median: number): string {
  if (stage.lower_limit_value !== undefined && median <= stage.lower_limit_value) return 'GOOD';
  if (stage.upper_limit_value !== undefined && median <= stage.upper_limit_value) return 'NEEDS_ATTENTION';
  return 'SLOW';
}

export interface VelocityQuery {
  /** `filter` of the request: integration_ids, time ranges on the list-filter keys, limit_to_only_applicable_data. */
  filter: Record<string, unknown>;
  parseRange(value: unknown, name: string): { gt: number; lt: number };
}

const RANGE_KEYS = {
  pr: ['pr_merged_at', 'pr_created_at', 'pr_closed_at'],
  ticket: ['issue_resolved_at', 'issue_created_at', 'issue_updated_at'],
} as const;

/** One record per stage: key, additional_key, median, mean, count, p90, p95, velocity_stage_result. */
export function velocityAggregates(
  dataset: Dataset,
  scope: CollectionScope,
  section: VelocitySection,
  query: VelocityQuery,
): Record<string, unknown>[] {
  const byOrder = (stages: Stage[] | undefined) =>
    [...(stages ?? [])].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  const stages = [
    ...byOrder(section.pre_development_custom_stages),
    ...byOrder(section.fixed_stages),
    ...byOrder(section.post_development_custom_stages),
  ];
  const prs = section.starting_event_is_commit_created === true;
  const filter = query.filter;
  const ids = Array.isArray(filter.integration_ids) ? new Set(filter.integration_ids.map(String)) : undefined;
  const ranges = (prs ? RANGE_KEYS.pr : RANGE_KEYS.ticket)
    .filter((key) => filter[key] !== undefined)
    .map((key) => ({ key, ...query.parseRange(filter[key], key) }));
  const onlyApplicable = filter.limit_to_only_applicable_data === true;
  const values: number[][] = stages.map(() => []);
  for (const { record } of liveRecords(dataset, prs ? 'scm_pull_requests' : 'jira_issues')) {
    if (ids && !ids.has(String(record.integration_id))) continue;
    if (
      prs
        ? !(record.merged === true && inScope(scope.scmLogins, record.creator))
        : !inScope(scope.fullNames, record.assignee)
    )
      continue;
    if (!ranges.every(({ key, gt, lt }) => Number(record[key]) > gt && Number(record[key]) < lt)) continue;
    const durations = prs ? prDurations(record, stages) : jiraDurations(record, stages);
    durations.forEach((duration, k) => {
      if (duration !== undefined) values[k]?.push(duration);
      else if (!onlyApplicable) values[k]?.push(0);
    });
  }
  return stages.map((stage, k) => {
    const sorted = (values[k] ?? []).sort((a, b) => a - b);
    const median = percentile(sorted, 0.5);
    return {
      key: stage.name,
      additional_key: describe(stage.event),
      median,
      mean: sorted.length === 0 ? 0 : sorted.reduce((sum, v) => sum + v, 0) / sorted.length,
      count: sorted.length,
      p90: percentile(sorted, 0.9),
      p95: percentile(sorted, 0.95),
      velocity_stage_result: {
        lower_limit_value: stage.lower_limit_value,
        lower_limit_unit: stage.lower_limit_unit,
        upper_limit_value: stage.upper_limit_value,
        upper_limit_unit: stage.upper_limit_unit,
        rating: rating(stage, median),
      },
    };
  });
}
