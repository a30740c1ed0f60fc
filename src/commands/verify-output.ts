/**
 * What `verify` prints: the `--json` documents (./json-output.ts) and the text tables built from them
 * (one row per stream: buckets checked, equal, differing, healed; then each stream's largest
 * differences with their keys; then what the verify could not see).
 */

import { KEY_SEPARATOR } from '../state/index.js';
import type { RunVerifyResult, VerifyPlan } from '../verify/index.js';
import { type BucketResult, outcomeCounts, type StreamVerifyResult, verifiedClean } from '../verify/index.js';
import {
  documentHead,
  minutesAt,
  type StreamVerifyJson,
  type VerifyBucketJson,
  type VerifyDocument,
  type VerifyPlanDocument,
} from './json-output.js';
import { textTable } from './text-table.js';

const isoOf = (seconds: number) => new Date(seconds * 1000).toISOString();

function bucketJson(bucket: BucketResult): VerifyBucketJson {
  return {
    from: bucket.range ? isoOf(bucket.range.from) : null,
    to: bucket.range ? isoOf(bucket.range.to) : null,
    method: bucket.method,
    server: bucket.server,
    warehouse: bucket.warehouse,
    moved: bucket.moved,
    outcome: bucket.outcome,
    before: bucket.before,
    sample: bucket.sample,
  };
}

function streamJson(result: StreamVerifyResult): StreamVerifyJson {
  const outcomes = outcomeCounts(result.buckets);
  return {
    stream: result.stream,
    mode: result.mode,
    status: result.status,
    method: result.method,
    field: result.field,
    from: result.range ? isoOf(result.range.from) : null,
    to: result.range ? isoOf(result.range.to) : null,
    counts: {
      buckets: result.buckets.length,
      equal: outcomes.equal,
      differing: outcomes.differs,
      healed: outcomes.healed,
    },
    buckets: result.buckets.map(bucketJson),
    withoutValue: result.withoutValue,
    requests: result.requests,
    heal: result.heal,
    notes: result.notes,
    error: result.error,
  };
}

export function verifyDocument(
  run: RunVerifyResult,
  details: { heal: boolean; database: string; requestsPerMinute: number },
): VerifyDocument {
  const streams = run.results.map(streamJson);
  const sum = (pick: (stream: StreamVerifyJson) => number) =>
    streams.reduce((total, s) => total + pick(s), 0);
  const requests = sum((s) => s.requests);
  return {
    ...documentHead('verify', verifiedClean(run.results)),
    mode: details.heal ? 'heal' : 'verify',
    runId: run.runId,
    database: details.database,
    requestsPerMinute: details.requestsPerMinute,
    streams,
    total: {
      buckets: sum((s) => s.counts.buckets),
      equal: sum((s) => s.counts.equal),
      differing: sum((s) => s.counts.differing),
      healed: sum((s) => s.counts.healed),
      requests,
      minutes: minutesAt(requests, details.requestsPerMinute),
    },
  };
}

export function verifyPlanDocument(
  plans: readonly VerifyPlan[],
  requestsPerMinute: number,
): VerifyPlanDocument {
  const requests = plans.reduce((sum, plan) => sum + plan.requests, 0);
  return {
    ...documentHead('verify', true),
    mode: 'plan',
    requestsPerMinute,
    streams: plans.map((plan) => ({ ...plan, minutes: minutesAt(plan.requests, requestsPerMinute) })),
    total: { requests, minutes: minutesAt(requests, requestsPerMinute) },
  };
}

/** `2024-03` for a calendar month, `before 2023-02` for the stretch before the first month, else both ends. */
export function bucketLabel(from: string | null, to: string | null): string {
  if (from === null || to === null) return 'whole list';
  const start = new Date(from);
  const end = new Date(to);
  const month = (date: Date) => date.toISOString().slice(0, 7);
  const isMonthStart = (date: Date) => date.toISOString().slice(8) === '01T00:00:00.000Z';
  const nextMonth = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  if (isMonthStart(start) && end.getTime() === nextMonth.getTime()) return month(start);
  if (start.getTime() === 0 && isMonthStart(end)) return `before ${month(end)}`;
  const short = (date: Date) => date.toISOString().replace('.000Z', 'Z');
  return `${short(start)} → ${short(end)}`;
}

const signed = (value: number) => (value > 0 ? `+${value}` : String(value));
const shownKey = (key: string) => key.replaceAll(KEY_SEPARATOR, '/');

function keysCell(bucket: VerifyBucketJson): string {
  const sample = bucket.sample;
  if (!sample) return '';
  const parts = [
    sample.missing.length > 0 ? `missing ${sample.missing.map(shownKey).join(', ')}` : '',
    sample.extra.length > 0 ? `extra ${sample.extra.map(shownKey).join(', ')}` : '',
    sample.rejected > 0 ? `${sample.rejected} rejected (sei_sync.rejects)` : '',
  ];
  return parts.filter((part) => part !== '').join('; ');
}

/** Buckets that differed (before or after a heal), largest difference first. */
function differences(stream: StreamVerifyJson): VerifyBucketJson[] {
  const gap = (counts: { server: number; warehouse: number; moved: number }) =>
    counts.server - (counts.warehouse - counts.moved);
  return stream.buckets
    .filter((bucket) => bucket.outcome !== 'equal' || bucket.sample !== null)
    .sort((a, b) => Math.abs(gap(b.before ?? b)) - Math.abs(gap(a.before ?? a)));
}

/** The records without a cursor value, as a note unless both sides hold none. */
function withoutValueNotes(stream: StreamVerifyJson): string[] {
  const without = stream.withoutValue;
  if (!without || (without.outcome === 'equal' && without.server === 0)) return [];
  return [
    `without ${stream.field}: server ${without.server ?? 'unknown'}, warehouse ${without.warehouse}: ${without.outcome.replaceAll('_', ' ')}: ${without.note}`,
  ];
}

export function verifyText(document: VerifyDocument): string {
  const gap = (counts: { server: number; warehouse: number; moved: number }) =>
    counts.server - (counts.warehouse - counts.moved);
  const summary = textTable(
    ['stream', 'compared by', 'up to', 'buckets', 'equal', 'differing', 'healed', 'requests', 'verify'],
    document.streams.map((s) => [
      s.stream,
      s.field === null
        ? `whole list (${s.method.replace('_', ' ')})`
        : `${s.field} (${s.method.replace('_', ' ')})`,
      s.to ?? '',
      s.counts.buckets,
      s.counts.equal,
      s.counts.differing,
      s.counts.healed,
      s.requests,
      s.error ? `${s.status}: ${s.error.code}: ${s.error.message}` : s.status,
    ]),
  );
  const sections = [summary];
  for (const stream of document.streams) {
    const shown = differences(stream).slice(0, 10);
    if (shown.length === 0) continue;
    const rows = shown.map((b) => [
      bucketLabel(b.from, b.to),
      b.before ? `${b.before.server} → ${b.server}` : String(b.server),
      b.before ? `${b.before.warehouse} → ${b.warehouse}` : String(b.warehouse),
      b.moved,
      signed(gap(b.before ?? b)),
      b.outcome,
      keysCell(b),
    ]);
    const more = differences(stream).length - shown.length;
    sections.push(
      `${stream.stream}: largest differences (server − warehouse, rows moved since the last sync set aside)${more > 0 ? `, ${more} more` : ''}\n${textTable(['bucket', 'server', 'warehouse', 'moved', 'difference', 'outcome', 'keys'], rows)}`,
    );
    if (stream.heal) {
      const h = stream.heal;
      sections.push(
        `${stream.stream}: heal re-walked ${h.bucketsWalked} bucket(s) in ${h.rounds} round(s): ${h.records} records read, ${h.inserted} inserted, ${h.updated} updated, ${h.deleted} marked deleted${h.note ? ` (${h.note})` : ''}`,
      );
    }
  }
  const notes = document.streams.flatMap((s) =>
    [...s.notes, ...withoutValueNotes(s)].map((note) => `  ${s.stream}: ${note}`),
  );
  if (notes.length > 0) sections.push(`notes:\n${notes.join('\n')}`);
  const { total } = document;
  const differing = document.streams.filter((s) => s.status === 'differs').map((s) => s.stream);
  const failed = document.streams.filter((s) => s.status === 'failed').map((s) => s.stream);
  sections.push(
    [
      `verify ${document.runId}: ${total.buckets} buckets, ${total.equal} equal, ${total.differing} differing, ${total.healed} healed; ${total.requests} requests (about ${total.minutes.toFixed(1)} minutes at ${document.requestsPerMinute} requests/minute)`,
      differing.length > 0 ? `differs: ${differing.join(', ')}` : '',
      failed.length > 0 ? `failed: ${failed.join(', ')}` : '',
      'counts cannot see a record whose fields differ while it stays in its bucket (see README, "Verify")',
    ]
      .filter((line) => line !== '')
      .join('\n'),
  );
  return `${sections.join('\n\n')}\n`;
}

export function verifyPlanText(document: VerifyPlanDocument): string {
  const rows = document.streams.map((plan) => [
    plan.stream,
    plan.method.replace('_', ' '),
    plan.records ?? 'unknown',
    plan.buckets,
    plan.requests,
    plan.minutes,
    plan.note ?? '',
  ]);
  const { requests, minutes } = document.total;
  return `${textTable(['stream', 'counted by', 'records', 'buckets', 'requests', 'minutes', 'note'], rows)}

verify: about ${requests} requests, about ${minutes.toFixed(1)} minutes at ${document.requestsPerMinute} requests/minute (retries not counted)
more only when needed: where a bucket has fewer records on the server, one count and the pages of what changed since the last sync;
a read of each of the (at most 5) largest differing buckets per stream to name their keys; with --heal, the pages of the buckets that differ
`;
}
