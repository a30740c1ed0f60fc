/** `/v1/pagerduty/aggregations/alerts/list`: PagerDuty alerts (DbPdAlert), several per incident. */
import type { SeiRecord } from '../extract/sei/types.js';
import { defineStream } from './define-stream.js';
import { millis, object, text } from './fields.js';
import { keyFields } from './stream-key.js';

/**
 * `alert_acknowledged_at` is the request's own time (`now()`) unless the alert's status is
 * `acknowledged`: stored as SEI sends it, every alert would change on every run. It is dropped from
 * the stored record (and its column) unless the alert is acknowledged.
 */
export function withoutRequestTime(record: SeiRecord): SeiRecord {
  if (record.status === 'acknowledged' || !('alert_acknowledged_at' in record)) return record;
  const { alert_acknowledged_at: _requestTime, ...stable } = record;
  return stable;
}

/**
 * Full refresh, like incidents: the `alert_*` filters are on creation and on computed instants
 * (`alert_resolved_at` is `now()` for an alert not resolved), none on a change time. Sorted by
 * `alert_created_at`, read whole in one request. `updated_at` has the incidents' seconds-as-ms bug.
 */
export const pagerdutyAlertsStream = defineStream({
  name: 'pagerduty_alerts',
  path: '/v1/pagerduty/aggregations/alerts/list',
  mode: 'full_refresh',
  integrationColumn: 'integration_id',
  sort: [{ id: 'alert_created_at', desc: false }],
  stableRecord: withoutRequestTime,
  table: 'pagerduty_alerts',
  key: keyFields('id'),
  fields: [
    text('integration_id'),
    // SEI's id of the incident (pagerduty_incidents.id).
    text('incident_id'),
    text('pd_service_id'),
    text('service_name'),
    text('pd_id'),
    text('summary'),
    text('severity'),
    text('status'),
    millis('created_at'),
    millis('acknowledged_at', { from: 'alert_acknowledged_at' }),
    millis('last_status_at'),
    millis('updated_at'),
    object('details'),
  ],
});
