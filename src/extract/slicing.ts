/**
 * Splits the window of a keyset walk into time slices of about equal size, from cheap counts: a
 * `page_size: 1` request answers with `_metadata.total_count` for any range. Slices partition the
 * window (empty stretches included, so nothing falls between two slices) and are walked in parallel,
 * in one process or by many workers.
 *
 * Counting costs requests, so it stops early: a window a couple of pages long is one slice; larger
 * ones are cut into equal stretches of time, the crowded stretches cut again (data is rarely spread
 * evenly: recent months hold more, and bulk operations pile thousands of records on one second), for
 * a few rounds whose counts go out in parallel.
 *
 * A window whose first record lies at or before 1970 (SEI holds such records: a date never set, stored
 * as 0) is counted once more past that record before it is cut: the records that matter lie decades
 * later, and equal parts from 1970 would find them all in the last part. That one count finds where
 * they start, which a round of equal parts found at the price of eight. A window that starts before
 * 1970 asks its count for a few records instead of one: when one of them lies past the first
 * record's instant, the answer already tells what that count would, without its round trip.
 */
import type { PlannedSlice } from '../state/walk-slices.js';
import type { RequestCost } from './list-request.js';
import { addCost, noCost } from './list-request.js';
import type { TimeRange } from './time-range.js';

export interface SlicePlanOptions {
  range: TimeRange;
  /** The count of records in a range, when the server gives one. */
  count(range: TimeRange): Promise<{ total: number | undefined; cost: RequestCost }>;
  /**
   * The first record's instant in the window and the window's count, from one request: a walk from
   * the beginning of time then splits where the data is, not across decades of nothing.
   */
  firstInstant?(
    range: TimeRange,
    records?: number,
  ): Promise<{
    first: number | undefined;
    total: number | undefined;
    cost: RequestCost;
    /** The instants of the first `records` records (1 unless asked), in the server's order. */
    instants?: readonly number[];
  }>;
  pageSize: number;
  /** @defaultValue SLICING_DEFAULTS.maxSlices */
  maxSlices?: number;
  /** @defaultValue SLICING_DEFAULTS.minPagesPerSlice */
  minPagesPerSlice?: number;
  /**
   * Rounds of cutting that may teach something (see `uninformativeShare`); fewer when walkers split
   * running slices themselves (src/sync/work-stealing.ts), which places each further cut with one
   * count where it is needed, spread over the walkers instead of before the first slice.
   * @defaultValue SLICING_DEFAULTS.rounds
   */
  rounds?: number;
}

export const SLICING_DEFAULTS = {
  /** More slices than workers can take at once keeps them all busy to the end of the walk. */
  maxSlices: 64,
  /** A slice shorter than this pays its boundary re-reads and counts for too little. */
  minPagesPerSlice: 2,
  /** Rounds of cutting crowded stretches, at most. */
  rounds: 3,
  /** Rounds that teach something, when walkers steal work: the thieves cut the rest. */
  roundsWithStealing: 1,
  /** Parts a crowded stretch is cut into, at most. */
  maxParts: 8,
  /**
   * Counting stops once it has cost this share of the walk's pages (at least `minCountRequests`):
   * slices of uneven size cost some parallelism, counting costs budget.
   */
  countShareOfPages: 0.1,
  minCountRequests: 8,
  /** A cut whose one part holds this share of the stretch's records is not charged to the count budget. */
  uninformativeShare: 0.9,
  /** A slice is sized this share of a page under a whole number of pages (see sliceShape). */
  pageMargin: 0.15,
  /**
   * Records the count of a window that starts at or before 1970 asks for (ascending walks): past a
   * first record dated there, the others' instants place the count past it (see the module comment).
   * Each costs the server about half a millisecond; a count round trip costs hundreds.
   */
  firstRecordsBefore1970: 10,
} as const;

export interface SlicePlan {
  slices: PlannedSlice[];
  /** The window's count, when the server gave one. */
  total: number | undefined;
  cost: RequestCost;
}

/**
 * How many slices a window of `total` records is cut into, and the records each should hold. A slice
 * ends on a short page, its last request: one holding a little over whole pages would spend a request
 * on its few last records, so a slice is sized a little under a whole number of pages (the margin
 * absorbs the error of estimates taken as evenly spread between counts).
 */
export function sliceShape(
  total: number,
  pageSize: number,
  options: Pick<SlicePlanOptions, 'maxSlices' | 'minPagesPerSlice'> = {},
): { slices: number; target: number } {
  const maxSlices = options.maxSlices ?? SLICING_DEFAULTS.maxSlices;
  const minPages = options.minPagesPerSlice ?? SLICING_DEFAULTS.minPagesPerSlice;
  const wanted = Math.min(maxSlices, Math.floor(total / (pageSize * minPages)));
  if (wanted <= 1) return { slices: 1, target: total };
  let pages = Math.max(minPages, Math.round(total / wanted / pageSize));
  const targetOf = (whole: number) => Math.floor((whole - SLICING_DEFAULTS.pageMargin) * pageSize);
  while (Math.ceil(total / targetOf(pages)) > maxSlices) pages++;
  return { slices: Math.ceil(total / targetOf(pages)), target: targetOf(pages) };
}

interface Piece {
  from: number;
  to: number;
  count: number;
}

/** A count of `range`, and (ascending walks) the instant of its first record. */
interface Counted {
  total: number | undefined;
  first: number | undefined;
  cost: RequestCost;
  /** The instants of its first records, when more than one was asked for. */
  instants?: readonly number[];
}

export async function planSlices(options: SlicePlanOptions): Promise<SlicePlan> {
  const cost = noCost();
  const { range } = options;
  const countPart = async (part: TimeRange, records = 1): Promise<Counted> => {
    const answer = options.firstInstant
      ? await options.firstInstant(part, records)
      : { ...(await options.count(part)), first: undefined };
    addCost(cost, answer.cost);
    return answer;
  };
  const whole = await countPart(range, range.from <= 0 ? SLICING_DEFAULTS.firstRecordsBefore1970 : 1);
  const total = whole.total;
  const one = [{ from: range.from, to: range.to, estimatedRecords: total }];
  if (total === undefined || total === 0) return { slices: one, total, cost };
  const { slices: wanted, target } = sliceShape(total, options.pageSize, options);
  if (wanted <= 1) return { slices: one, total, cost };

  const countBudget = Math.max(
    SLICING_DEFAULTS.minCountRequests,
    Math.ceil((total / options.pageSize) * SLICING_DEFAULTS.countShareOfPages),
  );
  // Count equal stretches of time; stretches still far more crowded than a slice are counted again,
  // finer, while the count budget lasts. Within a stretch, records are taken as evenly spread; the
  // stretch before a stretch's first record, and a stretch counted empty, are known to hold none.
  // A cut that found (nearly) all of a stretch's records in one part taught nothing about how they
  // spread (one record decades before the others stretches the window so): its counts are not
  // charged to the budget, so the next round cuts that part. The rounds still bound the counts.
  let pieces = await pastEpochRecords(range, whole, countPart);
  let uncharged = 0;
  const rounds = options.rounds ?? SLICING_DEFAULTS.rounds;
  let taught = 0;
  for (
    let round = 0;
    round < SLICING_DEFAULTS.rounds && taught < rounds && cost.requests - uncharged < countBudget;
    round++
  ) {
    const crowded = pieces.filter((piece) => piece.count > target * 4 && piece.to - piece.from > 1);
    if (crowded.length === 0) break;
    let charged = false;
    const cut = await Promise.all(
      pieces.map(async (piece) => {
        if (!crowded.includes(piece)) return [piece];
        const parts = Math.min(
          SLICING_DEFAULTS.maxParts,
          piece.to - piece.from,
          Math.ceil(piece.count / target) + 1,
        );
        const counted = await Promise.all(
          evenParts(piece, parts).map(async (part) => occupied(part, await countPart(part))),
        );
        // Only counts that add up to the stretch's: a server that ignores the range filter counts
        // every part whole, and cutting on would multiply its counts each round.
        const sum = counted.reduce((total, part) => total + part.count, 0);
        if (
          sum <= piece.count &&
          counted.some((part) => part.count >= piece.count * SLICING_DEFAULTS.uninformativeShare)
        )
          uncharged += counted.length;
        else charged = true;
        return counted;
      }),
    );
    pieces = cut.flat();
    if (charged) taught++;
  }
  return { slices: slicesFromPieces(pieces, range, target), total, cost };
}

/**
 * The window as one counted stretch; when its first record lies at or before 1970, the records at that
 * instant and the stretch after them, counted again (see the module comment).
 */
async function pastEpochRecords(
  range: TimeRange,
  whole: Counted,
  countPart: (part: TimeRange) => Promise<Counted>,
): Promise<Piece[]> {
  const { first, total } = whole;
  if (first === undefined || total === undefined || first > 0 || first + 1 >= range.to)
    return [occupied(range, whole)];
  const after = { from: first + 1, to: range.to };
  const past = pastFirstInstant(whole) ?? (await countPart(after));
  // Counts that disagree (records changed meanwhile, or a server that ignores the range) prove nothing.
  if (past.total === undefined || past.total > total) return [occupied(range, whole)];
  return [{ from: first, to: first + 1, count: total - past.total }, occupied(after, past)];
}

/**
 * What a count past the first record's instant would answer, read from the window's own first records
 * (sorted by the server, ascending): those before the first one that lies later share the first
 * instant. Undefined when all of them share it (or they are not in order): the count is then asked.
 */
function pastFirstInstant(whole: Counted): Counted | undefined {
  const { first, total, instants } = whole;
  if (first === undefined || total === undefined || instants === undefined || instants[0] !== first)
    return undefined;
  const later = instants.findIndex((instant) => instant > first);
  if (later < 0 || instants.slice(0, later).some((instant) => instant !== first)) return undefined;
  return { total: total - later, first: instants[later], cost: noCost() };
}

/** The part of a counted range that holds its records: from its first record, when that is known. */
function occupied(range: TimeRange, counted: Counted): Piece {
  const count = counted.total ?? 0;
  const first = counted.first;
  const from = first !== undefined && first > range.from && first < range.to ? first : range.from;
  return { from: count === 0 ? range.to : from, to: range.to, count };
}

/**
 * Cuts the counted stretches into slices of about `target` records, cutting inside a stretch where
 * the records would fill a slice (taking them as evenly spread there; one instant cannot be cut). The
 * stretches between them that the counts showed empty become slices of their own, marked `empty`
 * (closed when planned, never walked), so the slices partition the window.
 */
function slicesFromPieces(pieces: readonly Piece[], range: TimeRange, target: number): PlannedSlice[] {
  const slices: PlannedSlice[] = [];
  let from = range.from;
  let count = 0;
  /** The end of the last stretch with records: what lies between it and the next one holds none. */
  let occupiedTo = range.from;
  const close = (to: number, estimatedRecords: number, empty: boolean) => {
    if (to <= from) return;
    const last = slices.at(-1);
    if (empty && last?.empty) last.to = to;
    else slices.push({ from, to, estimatedRecords, ...(empty && { empty }) });
    from = to;
  };
  for (const piece of pieces) {
    if (piece.count === 0) continue;
    if (piece.from > occupiedTo) {
      close(occupiedTo, count, false);
      close(piece.from, 0, true);
      count = 0;
    }
    let start = piece.from;
    let remaining = piece.count;
    while (count + remaining > target * 1.25 && piece.to - start > 1) {
      const need = Math.max(1, target - count);
      const cut = Math.max(start + 1, start + Math.floor(((piece.to - start) * need) / remaining));
      if (cut >= piece.to) break;
      close(cut, count + need, false);
      count = 0;
      remaining -= need;
      start = cut;
    }
    count += remaining;
    occupiedTo = piece.to;
  }
  // Counts that disagree with the window's (records changed while counting) prove nothing empty.
  if (!slices.some((slice) => !slice.empty) && count === 0)
    return [{ from: range.from, to: range.to, estimatedRecords: pieces.reduce((n, p) => n + p.count, 0) }];
  close(occupiedTo, count, false);
  close(range.to, 0, true);
  return slices;
}

/** `range` cut into `parts` stretches of (nearly) equal length that partition it, in order. */
export function evenParts(range: TimeRange, parts: number): TimeRange[] {
  const bounds = Array.from({ length: parts + 1 }, (_, k) =>
    k === parts ? range.to : range.from + Math.floor(((range.to - range.from) * k) / parts),
  );
  return bounds.slice(0, -1).map((from, k) => ({ from, to: bounds[k + 1] as number }));
}
