/**
 * Hostile records: a seeded fraction of every stream's records carries one value that real tenants
 * send and PostgreSQL cannot hold as it is (binary pasted into a summary, an emoji cut in half by a
 * plugin, a tool writing nanoseconds), or a key no record can be stored under.
 *
 * `withHostileRecords` wraps a stream's generator; which records are hostile, and how, depends only on
 * (seed, stream, ordinal), so the same options serve the same data on every request. The fields the
 * simulator filters and sorts on without building records (`fastFields`, time filters, the updated-at
 * and integration fields) are never touched, so every record is still walked; only the key kinds
 * change the record's key, on purpose.
 *
 * A sync stores every hostile record: with its values made storable (counted as `sanitized`, described
 * in `sei_sync.sanitized_values`) or, for the key kinds marked `rejected`, in `sei_sync.rejects`.
 */
import type { SeiRecord } from '../extract/sei/types.js';
import type { StreamName } from '../streams/types.js';
import type { StreamGenerator } from './generators/types.js';
import { hash32, Rng } from './random.js';
import { STREAM_TAGS } from './universe.js';

/** What each kind does to a record, and whether a sync lands the record or rejects it. */
export const HOSTILE_KINDS = {
  nul_in_text: { outcome: 'lands', what: 'a NUL byte inside a text field' },
  lone_surrogate_in_text: { outcome: 'lands', what: 'half of an emoji (a lone surrogate) in a text field' },
  nul_and_surrogate_in_custom_field: {
    outcome: 'lands',
    what: 'a custom-field object whose key holds a NUL and whose value a lone surrogate',
  },
  absurd_instant: { outcome: 'lands', what: 'an instant field set to 1e15 (year 33658 as milliseconds)' },
  nanosecond_instant: { outcome: 'lands', what: 'an instant field written in nanoseconds' },
  negative_instant: { outcome: 'lands', what: 'an instant field set before 1970' },
  iso_instant: { outcome: 'lands', what: 'an instant field sent as an ISO-8601 string' },
  huge_number: { outcome: 'lands', what: 'a number field set to 2^63' },
  nan_string: { outcome: 'lands', what: 'a number field set to the string "NaN"' },
  object_for_text: { outcome: 'lands', what: 'a text field sent as an object' },
  long_text: { outcome: 'lands', what: 'a text field of 64 KB' },
  nested_300: { outcome: 'lands', what: 'an extra field nested 300 levels deep' },
  nested_too_deep: { outcome: 'lands', what: 'an extra field nested 1200 levels deep' },
  nul_in_key: { outcome: 'lands', what: 'a NUL byte inside the record key' },
  unusable_key: { outcome: 'rejected', what: 'the record key sent as an object' },
  overlong_key: { outcome: 'rejected', what: 'a record key of 5000 characters' },
} as const satisfies Record<string, { outcome: 'lands' | 'rejected'; what: string }>;
export type HostileKind = keyof typeof HOSTILE_KINDS;

const KINDS = Object.keys(HOSTILE_KINDS) as HostileKind[];

/** The record field holding each stream's key (or its last part). */
const KEY_FIELD: Record<StreamName, string> = {
  integrations: 'id',
  jira_issues: 'key',
  workitems: 'workitem_id',
  scm_pull_requests: 'id',
  scm_commits: 'id',
  cicd_job_runs: 'id',
  org_users: 'id',
  org_units: 'id',
  collection_categories: 'id',
  jira_sprints: 'sprint_id',
  jira_fields: 'field_key',
  jira_projects: 'cloud_id',
  workitem_sprints: 'sprint_id',
  user_identities: 'id',
  scm_issues: 'issue_id',
  cicd_job_run_tests: 'id',
  cicd_instances: 'id',
  cicd_jobs: 'id',
  pagerduty_incidents: 'id',
  pagerduty_alerts: 'id',
  products: 'id',
  workflow_profiles: 'id',
};

/** Numbers between these are instants (epoch seconds or milliseconds, 2001 to 5138); others are counts. */
const INSTANT_RANGE = { min: 1e9, max: 1e14 } as const;

const WORDS = ['build', 'deploy', 'release', 'review', 'merge', 'sprint', 'incident', 'rollback', 'ticket'];

export interface HostileOptions {
  /** Dataset seed: the same seed and fraction give the same hostile records. */
  seed: number;
  /** Share of each stream's records made hostile, in [0, 1]. */
  fraction: number;
}

export function validateHostileFraction(fraction: number): void {
  if (!Number.isFinite(fraction) || fraction < 0 || fraction > 1)
    throw new RangeError('hostile must be a fraction in [0, 1]');
}

/** The kind of hostile value record `ordinal` of `stream` carries, or undefined for a clean record. */
export function hostileKindOf(
  stream: StreamName,
  ordinal: number,
  options: HostileOptions,
): HostileKind | undefined {
  const draw = hash32(options.seed, STREAM_TAGS.hostile, STREAM_TAGS[stream], ordinal);
  if (draw / 0x1_0000_0000 >= options.fraction) return undefined;
  return KINDS[hash32(draw, ordinal) % KINDS.length];
}

/** `{a: [{a: ... 'bottom'}]}`, `levels` arrays and objects deep. */
function nested(levels: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? { a: value } : [value];
  return value;
}

/** Top-level fields of `record` by what they hold, leaving out the fields the simulator filters and sorts on. */
function fieldsOf(record: SeiRecord, protectedFields: ReadonlySet<string>) {
  const text: string[] = [];
  const instants: string[] = [];
  const numbers: string[] = [];
  for (const field of Object.keys(record).sort()) {
    if (protectedFields.has(field)) continue;
    const value = record[field];
    if (typeof value === 'string' && value !== '') text.push(field);
    else if (typeof value === 'number' && value >= INSTANT_RANGE.min && value < INSTANT_RANGE.max)
      instants.push(field);
    else if (typeof value === 'number') numbers.push(field);
  }
  return { text, instants, numbers };
}

/** `record` with the hostile value of `kind`; a kind that finds no field of its sort adds one. */
function makeHostile(
  record: SeiRecord,
  kind: HostileKind,
  rng: Rng,
  keyField: string,
  protectedFields: ReadonlySet<string>,
): SeiRecord {
  // Only the key kinds touch the key: a text kind on it would make the record a reject.
  const fields = fieldsOf(record, new Set([...protectedFields, keyField]));
  const pick = (candidates: readonly string[]) =>
    candidates.length === 0 ? `hostile_${kind}` : (candidates[rng.int(candidates.length)] as string);
  const textField = pick(fields.text);
  const text = String(record[textField] ?? 'text');
  const instantField = pick(fields.instants);
  const instant = Number(record[instantField] ?? 1_700_000_000);
  switch (kind) {
    case 'nul_in_text':
      return { ...record, [textField]: `${text.slice(0, 3)}\u0000${text.slice(3)}` };
    case 'lone_surrogate_in_text':
      return { ...record, [textField]: `${text} \ud83d` };
    case 'nul_and_surrogate_in_custom_field':
      return {
        ...record,
        hostile_custom_fields: { 'customfield_\u000010020': ['emoji cut \ude00 in half'] },
      };
    case 'absurd_instant':
      return { ...record, [instantField]: 1_000_000_000_000_000 };
    case 'nanosecond_instant':
      return { ...record, [instantField]: instant * 1e9 };
    case 'negative_instant':
      return { ...record, [instantField]: -86_400 };
    case 'iso_instant': {
      const ms = instant < 1e11 ? instant * 1000 : instant;
      return { ...record, [instantField]: new Date(ms).toISOString() };
    }
    case 'huge_number':
      return { ...record, [pick(fields.numbers)]: 2 ** 63 };
    case 'nan_string':
      return { ...record, [pick(fields.numbers)]: 'NaN' };
    case 'object_for_text':
      return { ...record, [textField]: { name: text } };
    case 'long_text':
      return {
        ...record,
        [textField]: Array.from({ length: 9000 }, () => WORDS[rng.int(WORDS.length)]).join(' '),
      };
    case 'nested_300':
      return { ...record, hostile_nesting: nested(300) };
    case 'nested_too_deep':
      return { ...record, hostile_nesting: nested(1200) };
    case 'nul_in_key':
      return { ...record, [keyField]: `${String(record[keyField])}\u0000` };
    case 'unusable_key':
      return { ...record, [keyField]: { id: record[keyField] } };
    case 'overlong_key':
      return { ...record, [keyField]: `${String(record[keyField])}-${'k'.repeat(5000)}` };
  }
}

/** `generator` with a seeded fraction of its records made hostile, one kind each. */
export function withHostileRecords(generator: StreamGenerator, options: HostileOptions): StreamGenerator {
  validateHostileFraction(options.fraction);
  if (options.fraction === 0) return generator;
  const stream = generator.stream;
  const keyField = KEY_FIELD[stream];
  const protectedFields = new Set([
    ...Object.keys(generator.fastFields).filter((field) => field !== keyField),
    ...Object.keys(generator.timeFilters),
    ...(generator.updatedAt ? [generator.updatedAt.field] : []),
    ...(generator.integrationField ? [generator.integrationField] : []),
    // Every record is served with the stream's current snapshot there, whatever the record says.
    ...(generator.snapshotField ? [generator.snapshotField] : []),
  ]);
  return {
    ...generator,
    generate(ordinal, endSeconds) {
      const record = generator.generate(ordinal, endSeconds);
      const kind = hostileKindOf(stream, ordinal, options);
      if (kind === undefined) return record;
      const rng = new Rng(hash32(options.seed, STREAM_TAGS.hostile, ordinal));
      return makeHostile(record, kind, rng, keyField, protectedFields);
    },
  };
}
