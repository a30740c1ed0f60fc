/** What the dataset needs from one stream's record generator. */
import type { SeiRecord } from '../../sei/types.js';
import type { StreamName } from '../../streams/types.js';
import type { Rng } from '../random.js';
import type { Universe } from '../universe.js';

export type TimeUnit = 's' | 'ms';

export interface GeneratorContext {
  seed: number;
  universe: Universe;
  /** Instants of the seeded records lie before this (epoch seconds). */
  endSeconds: number;
  /** Sizes of the small streams the generators refer to (org units refer to categories, and so on). */
  sizes: Readonly<Record<StreamName, number>>;
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
