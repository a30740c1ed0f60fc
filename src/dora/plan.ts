/**
 * What the DORA snapshot streams will cost, for `plan`: one read of the collections list (which names
 * each collection's workflow profile), then per collection with a profile one request per metric.
 * The drilldown is paged: its estimate is one page per widget and collection, at least.
 */
import type { ListClient } from '../extract/sei/client.js';
import type { SeiRecord } from '../extract/sei/types.js';
import type { DoraStreamName } from '../streams/types.js';
import { DORA_DEFAULTS, type DoraSettings } from './defaults.js';
import { BUCKET_METRICS, VELOCITY_METRICS } from './requests.js';

export interface DoraPlan {
  records: number | null;
  requests: number;
  note: string;
}

/** Collections with and without a workflow profile, from one read of `/v1/org/units/list`. */
export async function countCollections(client: ListClient) {
  const { response, attempts } = await client.list<SeiRecord>('/v1/org/units/list', {
    page: 0,
    page_size: 10_000,
    filter: {},
  });
  const withProfile = response.records.filter(
    (unit) =>
      unit.workflow_profile_id !== undefined &&
      unit.workflow_profile_id !== null &&
      unit.workflow_profile_id !== '',
  ).length;
  return { withProfile, without: response.records.length - withProfile, requests: attempts };
}

export function doraPlan(
  name: DoraStreamName,
  collections: { withProfile: number; without: number },
  settings: Partial<DoraSettings> = {},
): DoraPlan {
  const { trailingDays, rollingDays } = { ...DORA_DEFAULTS, ...settings };
  const n = collections.withProfile;
  const skipped = collections.without > 0 ? `; ${collections.without} without a profile skipped` : '';
  switch (name) {
    case 'sei_contributors':
      return { records: null, requests: 1, note: 'one request, not paginated' };
    case 'dora_buckets':
      return {
        records: n * BUCKET_METRICS.length * trailingDays,
        requests: n * BUCKET_METRICS.length,
        note: `${n} collections × ${BUCKET_METRICS.length} metrics, ${trailingDays} days re-read each run${skipped}`,
      };
    case 'dora_snapshots': {
      const metrics = BUCKET_METRICS.length + VELOCITY_METRICS.length;
      return {
        records: n * metrics,
        requests: n * metrics,
        note: `${n} collections × ${metrics} metrics over ${rollingDays} days${skipped}`,
      };
    }
    case 'dora_drilldown':
      return {
        records: null,
        requests: n * BUCKET_METRICS.length,
        note: `at least ${n} collections × ${BUCKET_METRICS.length} widgets (one more per full page)${skipped}`,
      };
  }
}
