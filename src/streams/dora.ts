/**
 * SEI's own DORA per collection (`/v1/dora/*`) and its contributor licence counts
 * (`/v1/sei_contributor/list`), as four snapshot streams. The walk (src/dora/) turns each answer into
 * records shaped as below: the key fields it adds, and the part of SEI's answer as SEI sent it (so
 * unknown fields stay in `raw`). docs/sei-dora-server.md has the server's shapes.
 */
import type { SeiRecord } from '../extract/sei/types.js';
import type { FieldNotes } from '../normalize/convert.js';
import { defineStream } from './define-stream.js';
import { bigint, bool, derived, float, integer, list, text } from './fields.js';
import { keyFields } from './stream-key.js';

/** An instant SEI sends in epoch seconds, or ms (CI/CD drilldown rows serialize `Instant`s as ms). */
function epochInstant(value: unknown): Date | null {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) return null;
  // Seconds until the year 5138; anything larger is milliseconds.
  const date = new Date(n > 1e11 ? n : n * 1000);
  return Number.isNaN(date.getTime()) ? null : date;
}

const instantOf = (field: string) => (record: SeiRecord, _notes: FieldNotes) => epochInstant(record[field]);

/** Daily buckets of deployment frequency and change failure rate, upserted over the trailing window. */
export const doraBucketsStream = defineStream({
  name: 'dora_buckets',
  path: '/v1/dora/deployment_frequency',
  mode: 'dora_snapshot',
  snapshot: 'buckets',
  dependsOn: ['org_units', 'workflow_profiles'],
  hasNext: 'page_full',
  table: 'dora_buckets',
  key: keyFields('collection_id', 'metric', 'day'),
  fields: [
    derived('bucket_start', 'timestamptz', instantOf('key')),
    integer('count'),
    text('additional_key'),
    text('profile_id'),
    text('source'),
  ],
});

/** One row per snapshot date, collection and metric: SEI's stats over the rolling window. */
export const doraSnapshotsStream = defineStream({
  name: 'dora_snapshots',
  path: '/v1/dora/deployment_frequency',
  mode: 'dora_snapshot',
  snapshot: 'snapshots',
  dependsOn: ['org_units', 'workflow_profiles'],
  table: 'dora_snapshots',
  key: keyFields('snapshot_date', 'collection_id', 'metric'),
  fields: [
    derived('window_start', 'timestamptz', instantOf('window_start')),
    derived('window_end', 'timestamptz', instantOf('window_end')),
    text('profile_id'),
    text('source'),
    text('band'),
    bigint('total_deployment'),
    float('failure_rate'),
    float('count_per_day'),
    float('count_per_week'),
    float('count_per_month'),
    bool('is_absolute'),
    list('stages'),
  ],
});

/** The deployments and failures SEI counted, row by row (`/v1/dora/drilldown/list`). */
export const doraDrilldownStream = defineStream({
  name: 'dora_drilldown',
  path: '/v1/dora/drilldown/list',
  mode: 'dora_snapshot',
  snapshot: 'drilldown',
  dependsOn: ['org_units', 'workflow_profiles'],
  table: 'dora_drilldown',
  key: keyFields('collection_id', 'widget', 'row_id'),
  fields: [
    text('source'),
    derived('deployed_at', 'timestamptz', instantOf('deployed_at')),
    text('title'),
    text('status'),
  ],
});

/** Licensed contributors (SCM identities), one row per org user and snapshot date. */
export const seiContributorsStream = defineStream({
  name: 'sei_contributors',
  path: '/v1/sei_contributor/list',
  mode: 'dora_snapshot',
  snapshot: 'contributors',
  dependsOn: [],
  table: 'sei_contributors',
  key: keyFields('snapshot_date', 'org_user_id'),
  fields: [
    text('org_user_ref_id'),
    text('full_name'),
    text('email'),
    derived('integration_user_count', 'integer', (record) =>
      Array.isArray(record.integration_user_details) ? record.integration_user_details.length : 0,
    ),
    derived('integration_types', 'text[]', (record) =>
      Array.isArray(record.integration_user_details)
        ? [
            ...new Set(
              record.integration_user_details.map((detail) =>
                String((detail as SeiRecord | null)?.integration_type ?? ''),
              ),
            ),
          ].sort()
        : null,
    ),
  ],
});
