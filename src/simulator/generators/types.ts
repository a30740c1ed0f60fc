/** What the dataset needs from one stream's record generator. */
import type { SeiRecord } from '../../extract/sei/types.js';
import type { StreamName } from '../../streams/types.js';
import { hash32, type Rng, unit } from '../random.js';
import type { Universe } from '../universe.js';

export type TimeUnit = 's' | 'ms';

export interface GeneratorContext {
  seed: number;
  universe: Universe;
  /** Instants of the seeded records lie before this (epoch seconds). */
  endSeconds: number;
  /** Sizes of the small streams the generators refer to (org units refer to categories, and so on). */
  sizes: Readonly<Record<StreamName, number>>;
  /** Work items' `workitem_updated_at` in ms with a fraction of a second (as the server); false: whole seconds. */
  subSecondCursors: boolean;
}

export interface StreamGenerator {
  readonly stream: StreamName;
  /**
   * Record number `ordinal`; a pure function of (seed, ordinal, endSeconds). Seeded records use the
   * dataset's end; records inserted later use the insertion time, so they look new.
   */
  generate(ordinal: number, endSeconds: number): SeiRecord;
  /**
   * Top-level fields of seeded records that can be computed without building the record; sorting and
   * filtering a million records reads these instead.
   */
  readonly fastFields: Readonly<Record<string, (ordinal: number) => number | string>>;
  /** The natural key as one string (composite keys joined with `/`). */
  key(record: SeiRecord): string;
  /** The field an update bumps to "now", and its unit; undefined when the stream has none. */
  readonly updatedAt: { field: string; unit: TimeUnit } | undefined;
  /** Fields accepted as `{"$gt": s, "$lt": s}` filters, and the unit the record stores them in. */
  readonly timeFilters: Readonly<Record<string, TimeUnit>>;
  /** The field that `filter.integration_ids` matches. */
  readonly integrationField: string | undefined;
  /** A changed copy of `record` as of `nowMs` (updated-at bumped, some fields changed). */
  update(record: SeiRecord, rng: Rng, nowMs: number): SeiRecord;
  /**
   * A record that SEI ingests now although the source tool dated it in the past (a commit on an old
   * branch pushed late, an imported repository); undefined when the stream has no such thing.
   */
  ingestedLate?(ordinal: number, rng: Rng, nowMs: number): SeiRecord;
  /**
   * The field holding the daily snapshot a record was read from (Jira and work items: `ingested_at`):
   * every record served carries the stream's current snapshot there.
   */
  readonly snapshotField?: string;
}

/**
 * The update of a small configuration list (workspaces, profiles, categories): its description edited
 * and `updated_at` moved to now, in the list's unit.
 */
export function editDescription(unit: TimeUnit): StreamGenerator['update'] {
  return (record, _rng, nowMs) => ({
    ...record,
    description: `${String(record.description)} (edited)`,
    updated_at: unit === 's' ? Math.floor(nowMs / 1000) : nowMs,
  });
}

export const SECONDS_PER_DAY = 86_400;
/** Seeded records spread over the two years before the dataset's end. */
export const HISTORY_SECONDS = 730 * SECONDS_PER_DAY;

export function midnightUtcSeconds(epochSeconds: number): number {
  return epochSeconds - (epochSeconds % SECONDS_PER_DAY);
}

/**
 * Drops undefined values: SEI never sends null, it omits the field. Copies instead of `delete`, which
 * would turn the object into a slow dictionary (and JSON.stringify with it).
 */
export function compact<T extends Record<string, unknown>>(record: T): T {
  const out: Record<string, unknown> = {};
  for (const key in record) {
    const value = record[key];
    if (value !== undefined) out[key] = value;
  }
  return out as T;
}

/**
 * The record of each stream dated before 1970, as in the server's own data (PRs at `pr_updated_at:
 * -19700`, a Jira issue at `issue_updated_at: -1`): SEI lists and filters it like any other.
 */
export const BEFORE_1970_ORDINAL = 1;

/**
 * Bulk operations: a bot closing PRs, a Jira bulk edit, an imported repository, a batch of pipeline
 * runs. Their records share one instant to the second, which is what breaks offset paging over a
 * sort without a tiebreaker (and what a keyset walk must handle inside one instant).
 */
export const BULK_SHARE = 0.04;
/** Average records per bulk operation. */
export const BULK_OPERATION_SIZE = 60;

/**
 * The instant (epoch seconds) of the bulk operation record `o` belongs to, or undefined when it was
 * written on its own. Operations lie in the last 60 days of the history.
 */
export function bulkInstant(
  seed: number,
  tag: number,
  o: number,
  size: number,
  end: number,
): number | undefined {
  if (unit(seed, tag, o, 97) >= BULK_SHARE) return undefined;
  const operations = Math.max(1, Math.round((size * BULK_SHARE) / BULK_OPERATION_SIZE));
  const operation = hash32(seed, tag, o, 98) % operations;
  return end - 7200 - Math.floor(unit(seed, tag, operation, 99) * 60 * SECONDS_PER_DAY);
}
