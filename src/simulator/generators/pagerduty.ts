/**
 * PagerDuty (`/v1/pagerduty/aggregations/{incidents,alerts}/list`, DbPDIncident / DbPdAlert): UUID
 * ids, Instants in epoch ms, except `updated_at`: SEI stores PagerDuty's epoch seconds as ms, so it is
 * served as seconds floored to 1000 s. `incident_acknowledged_at` is 0 when nobody acknowledged;
 * `user_ids` is always `[]` and `details` `{}` on incidents. Alerts not acknowledged carry no
 * `alert_acknowledged_at` here: the server fills it with the request's time (../endpoints.ts).
 */
import type { SeiRecord } from '../../extract/sei/types.js';
import { type Rng, recordRng, unit } from '../random.js';
import { PAGERDUTY_INTEGRATION_ID, STREAM_TAGS } from '../universe.js';
import type { GeneratorContext, StreamGenerator } from './types.js';

/** The services incidents are raised on (SEI's `pd_service_id` is a UUID per service). */
export const PAGERDUTY_SERVICES = ['checkout-api', 'payments-api', 'search', 'identity'] as const;
const TROUBLES = ['High error rate on', 'Latency above SLO on', 'Pods crash-looping in', 'Disk full on'];
const ALERTS_PER_INCIDENT = 2;
/** Incidents happen over the half year before the dataset's end. */
const SPAN_SECONDS = 180 * 86_400;

/** What SEI serves as `updated_at`: PagerDuty's seconds, stored as ms by its ingestion, floored to 1000 s. */
const flooredSeconds = (ms: number) => Math.floor(ms / 1_000_000) * 1000;

interface Incident {
  id: string;
  serviceId: string;
  service: string;
  created: number;
  acknowledged: number | undefined;
  resolved: number | undefined;
  status: 'triggered' | 'acknowledged' | 'resolved';
}

/** The incidents both streams agree on, by ordinal. */
function incidentOf(ctx: GeneratorContext, o: number, endSeconds: number): Incident {
  const TAG = STREAM_TAGS.pagerduty_incidents;
  const service = PAGERDUTY_SERVICES[o % PAGERDUTY_SERVICES.length] as string;
  const seeded = o < ctx.sizes.pagerduty_incidents;
  // One in twenty is still open, raised in the last half day; the others were all resolved.
  const open = seeded && o % 20 === 3;
  const span = open ? 43_200 : SPAN_SECONDS;
  const created = seeded
    ? (ctx.endSeconds - 600 - Math.floor(unit(ctx.seed, TAG, o, 1) * span)) * 1000
    : endSeconds * 1000;
  const acknowledgedAt = created + 60_000 + Math.floor(unit(ctx.seed, TAG, o, 4) * 1_800_000);
  const acknowledged = (open ? o % 40 === 3 : unit(ctx.seed, TAG, o, 3) < 0.85) ? acknowledgedAt : undefined;
  const resolved = open
    ? undefined
    : (acknowledged ?? created) + 300_000 + Math.floor(unit(ctx.seed, TAG, o, 5) ** 2 * 12 * 3_600_000);
  return {
    id: recordRng(ctx.seed, TAG, o).uuid(),
    serviceId: recordRng(ctx.seed, TAG, 1_000_000 + (o % PAGERDUTY_SERVICES.length)).uuid(),
    service,
    created,
    acknowledged,
    resolved,
    status: resolved !== undefined ? 'resolved' : acknowledged !== undefined ? 'acknowledged' : 'triggered',
  };
}

export function pagerdutyIncidentsGenerator(ctx: GeneratorContext): StreamGenerator {
  const TAG = STREAM_TAGS.pagerduty_incidents;
  function generate(o: number, end: number): SeiRecord {
    const incident = incidentOf(ctx, o, end);
    const rng = recordRng(ctx.seed, TAG, o + 2_000_000);
    const responders = [ctx.universe.person(rng.int(ctx.universe.personCount)).fullName];
    const lastStatus = incident.resolved ?? incident.acknowledged ?? incident.created;
    const statuses = [
      ...(incident.acknowledged !== undefined ? ['acknowledged'] : []),
      ...(incident.resolved !== undefined ? ['resolved'] : []),
    ];
    const record: SeiRecord = {
      id: incident.id,
      pd_service_id: incident.serviceId,
      pd_id: `Q${rng.hex(12).toUpperCase()}`,
      summary: `[#${1000 + o}] ${rng.pick(TROUBLES)} ${incident.service}`,
      urgency: rng.chance(0.7) ? 'high' : 'low',
      priority: rng.chance(0.2) ? '' : `P${rng.between(1, 4)}`,
      status: incident.status,
      created_at: incident.created,
      updated_at: flooredSeconds(lastStatus),
      last_status_at: lastStatus,
      user_names: statuses.length > 0 ? responders : [],
      user_ids: [],
      service_name: incident.service,
      integration_id: PAGERDUTY_INTEGRATION_ID,
      incident_acknowledged_at: incident.acknowledged ?? 0,
      incident_statuses: statuses,
      details: {},
    };
    if (incident.resolved !== undefined) record.incident_resolved_at = incident.resolved;
    return record;
  }
  return {
    stream: 'pagerduty_incidents',
    generate,
    fastFields: {
      id: (o) => recordRng(ctx.seed, TAG, o).uuid(),
      created_at: (o) => incidentOf(ctx, o, ctx.endSeconds).created,
    },
    key: (record) => String(record.id),
    updatedAt: undefined,
    timeFilters: { created_at: 'ms', incident_resolved_at: 'ms' },
    integrationField: 'integration_id',
    /** Resolved now (an open one), or acknowledged again: its last status moves. */
    update: (record: SeiRecord, _rng: Rng, nowMs: number) => ({
      ...record,
      status: 'resolved',
      incident_statuses: ['acknowledged', 'resolved'],
      incident_acknowledged_at: Number(record.incident_acknowledged_at) || nowMs - 60_000,
      incident_resolved_at: nowMs,
      last_status_at: nowMs,
      updated_at: flooredSeconds(nowMs),
    }),
  };
}

export function pagerdutyAlertsGenerator(ctx: GeneratorContext): StreamGenerator {
  const TAG = STREAM_TAGS.pagerduty_alerts;
  const incidentOrdinal = (o: number) => Math.floor(o / ALERTS_PER_INCIDENT);
  function generate(o: number, end: number): SeiRecord {
    const rng = recordRng(ctx.seed, TAG, o);
    // The id is the first draw, so `fastFields.id` can compute it without building the record.
    const id = rng.uuid();
    const incident = incidentOf(ctx, incidentOrdinal(o), end);
    const created = incident.created - rng.between(5, 120) * 1000;
    const host = `${incident.service}-${rng.between(1, 9)}`;
    const record: SeiRecord = {
      id,
      pd_service_id: incident.serviceId,
      pd_id: `P${rng.hex(10).toUpperCase()}`,
      incident_id: incident.id,
      summary: `CPU > 90% on ${host}`,
      severity: rng.pick(['critical', 'error', 'warning', 'info']),
      status: incident.status,
      created_at: created,
      updated_at: flooredSeconds(incident.resolved ?? incident.acknowledged ?? created),
      last_status_at: incident.resolved ?? flooredSeconds(incident.acknowledged ?? created),
      service_name: incident.service,
      integration_id: PAGERDUTY_INTEGRATION_ID,
      details: { host, cpu: Math.round(900 + rng.next() * 99) / 10 },
    };
    if (incident.status === 'acknowledged') record.alert_acknowledged_at = incident.acknowledged;
    return record;
  }
  return {
    stream: 'pagerduty_alerts',
    generate,
    fastFields: { id: (o) => recordRng(ctx.seed, TAG, o).uuid() },
    key: (record) => String(record.id),
    updatedAt: undefined,
    timeFilters: { created_at: 'ms' },
    integrationField: 'integration_id',
    update: (record: SeiRecord, _rng: Rng, nowMs: number) => {
      const { alert_acknowledged_at: _acknowledged, ...rest } = record;
      return { ...rest, status: 'resolved', last_status_at: nowMs, updated_at: flooredSeconds(nowMs) };
    },
  };
}
