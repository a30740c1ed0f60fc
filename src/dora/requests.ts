/**
 * The DORA request bodies, built once here (docs/sei-dora-server.md): exactly one `ou_ids` entry (the
 * server uses the first of a Java HashSet, not of the JSON list), `filter.time_range` always present,
 * no `widget_id` (precalculated widget results), lead/mean time with the time key of their source.
 */
import type { DoraCollection } from './collections.js';
import { type DayWindow, rangeOf } from './windows.js';

export const DORA_PATHS = {
  deployment_frequency: '/v1/dora/deployment_frequency',
  change_failure_rate: '/v1/dora/change_failure_rate',
  lead_time: '/v1/dora/lead-time',
  mean_time: '/v1/dora/mean-time',
  drilldown: '/v1/dora/drilldown/list',
  contributors: '/v1/sei_contributor/list',
} as const;

export type BucketMetric = 'deployment_frequency' | 'change_failure_rate';
export type VelocityMetric = 'lead_time' | 'mean_time';
export const BUCKET_METRICS: readonly BucketMetric[] = ['deployment_frequency', 'change_failure_rate'];
export const VELOCITY_METRICS: readonly VelocityMetric[] = ['lead_time', 'mean_time'];

/** The drilldown widget of each bucket metric (CFR's lists the failed deployments only). */
export const WIDGETS: Readonly<Record<BucketMetric, string>> = {
  deployment_frequency: 'deployment_frequency_report',
  change_failure_rate: 'change_failure_rate',
};

/** Sent with lead/mean time besides `there_is_no_cache=true`: no precalculated widget results. */
export const VELOCITY_QUERY = { there_is_no_precalculate: 'true' } as const;

export function bucketBody(collection: DoraCollection, window: DayWindow) {
  return { page: 0, filter: { time_range: rangeOf(window) }, ou_ids: [Number(collection.id)] };
}

export function velocityBody(collection: DoraCollection, metric: VelocityMetric, window: DayWindow) {
  const fromCommits = metric === 'lead_time' ? collection.leadTimeFromCommits : collection.mttrFromCommits;
  const filter = fromCommits
    ? { calculation: 'pr_velocity', limit_to_only_applicable_data: false, pr_merged_at: rangeOf(window) }
    : {
        ratings: ['good', 'slow', 'needs_attention'],
        limit_to_only_applicable_data: true,
        work_items_type: 'jira',
        calculation: 'ticket_velocity',
        issue_resolved_at: rangeOf(window),
      };
  return { page: 0, filter, across: 'velocity', ou_ids: [Number(collection.id)] };
}

export function drilldownBody(
  collection: DoraCollection,
  metric: BucketMetric,
  window: DayWindow,
  page: number,
  pageSize: number,
) {
  return {
    page,
    page_size: pageSize,
    filter: { time_range: rangeOf(window) },
    ou_ids: [Number(collection.id)],
    widget: WIDGETS[metric],
  };
}
