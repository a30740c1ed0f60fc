/**
 * Verifies one stream: the server's counts against the warehouse's, bucket by bucket, and (with a
 * heal port) heals what differs.
 *
 * What can be compared at all: an incremental stream only up to its cursor, the high-water mark of
 * its last complete walk (what the server lists after it is the next sync's work), within the sync's
 * scope (./scope.ts). Inside that range:
 * - records changed on the server after the last sync left their bucket for a time after the cursor:
 *   when a bucket has fewer records on the server, what changed since the cursor is read (keys only)
 *   and those rows are set aside (`moved`), so that "not synced yet" is not called "lost";
 * - records without a cursor value (CI/CD runs still running have no `end_time`) are in no time
 *   bucket: no range on the field selects them, so a walk by time cannot read them. They are counted
 *   apart (`withoutValue`): the list's count without the range minus its count over every second,
 *   against the rows whose stored record has no value; more on the server is a stated reason, not a
 *   loss (they are read once they get a value). Rows marked deleted are not live and not counted;
 * - Jira issues and work items: the server counts each integration's latest daily snapshot.
 * Full-refresh lists are one bucket: their whole count.
 */

import { knownFailure } from '../extract/derived-list.js';
import { fromEpochSeconds, type TimeRange, toEpochSeconds } from '../extract/time-range.js';
import { countRejectedRecords } from '../load/rejects.js';
import { readStreamRun } from '../state/ledger.js';
import type { FullRefreshStream, IncrementalStream } from '../streams/types.js';
import { comparedRange, rangeBuckets } from './compared-range.js';
import { mixedSnapshots, type VerifyContext } from './context.js';
import { healBuckets, healList, type ListHealPort, type SliceHealPort } from './heal.js';
import {
  countList,
  countWithoutValue,
  type KeyRead,
  probeRange,
  readListKeys,
  readRangeKeys,
} from './server-counts.js';
import {
  bucketLimit,
  differs,
  type MovedRecords,
  serverCounts,
  type Tally,
  withWarehouseCounts,
} from './tally.js';
import {
  type BucketCounts,
  type BucketResult,
  type HealSummary,
  type KeySample,
  type StreamVerifyResult,
  VERIFY_DEFAULTS,
  type WithoutValueResult,
} from './types.js';
import { countLiveRows, countRowsWithoutValue, liveRowKeys } from './warehouse-counts.js';

/** Verifies a keyset-walked stream by time buckets; heals what differs through `heal` when given. */
export function verifyIncremental(
  verify: VerifyContext,
  stream: IncrementalStream,
  heal: SliceHealPort | undefined,
): Promise<StreamVerifyResult> {
  return verifyBuckets(verify, stream, { heal });
}

/** Verifies a list by its count; heals it with a full-refresh sync through `heal` when given. */
export function verifyList(
  verify: VerifyContext,
  stream: FullRefreshStream,
  heal: ListHealPort | undefined,
): Promise<StreamVerifyResult> {
  return verifyWholeList(verify, stream, { heal });
}

/** The result of a verify; `field` is the cursor column of a keyset-walked stream, null for a list. */
function resultOf(
  verify: VerifyContext,
  fields: Partial<StreamVerifyResult> & Pick<StreamVerifyResult, 'field'>,
): StreamVerifyResult {
  const stream = verify.run.stream;
  const buckets = fields.buckets ?? [];
  const differing =
    buckets.some((bucket) => bucket.outcome === 'differs') || fields.withoutValue?.outcome === 'differs';
  return {
    stream: stream.name,
    mode: stream.mode,
    status: differing ? 'differs' : 'clean',
    method: buckets.some((bucket) => bucket.method === 'distinct_keys') ? 'distinct_keys' : 'total_count',
    range: null,
    withoutValue: null,
    heal: null,
    notes: [],
    error: null,
    ...fields,
    buckets,
    requests: verify.cost.requests,
  };
}

async function verifyBuckets(
  verify: VerifyContext,
  stream: IncrementalStream,
  options: { heal: SliceHealPort | undefined },
): Promise<StreamVerifyResult> {
  const compared = await comparedRange(verify, stream);
  const field = stream.cursor.column;
  if ('skipped' in compared) return resultOf(verify, { field, status: 'skipped', notes: [compared.skipped] });
  const { range, cursor } = compared;
  // Said once in the README, not per run: the range ends at the cursor (records changed later are
  // the next sync's); records without a value in the field are counted apart (`withoutValue`).
  const notes: string[] = [];
  if (stream.cursor.filter.inclusive)
    notes.push(
      'bounds are inclusive: a record exactly on a bucket boundary counts in both buckets, on both sides',
    );
  if (stream.snapshotField)
    notes.push(`the server counts each integration's latest daily snapshot (${stream.snapshotField})`);

  let counted = await countBuckets(verify, stream, range);
  if (mixedSnapshots(verify).length > 0) {
    // SEI switched snapshots while we counted: the counts mix two days. Count once more.
    verify.snapshots.clear();
    counted = await countBuckets(verify, stream, range);
    notes.push(
      mixedSnapshots(verify).length > 0
        ? 'SEI switched daily snapshots while verify counted, twice: counts may mix two snapshots'
        : 'SEI switched daily snapshots while verify counted: counted again',
    );
  }
  // Counted with the buckets, before any heal: a heal walks by time and cannot change it.
  const withoutValue = await compareWithoutValue(verify, stream);
  let tallies = await withWarehouseCounts(verify, stream, counted, undefined);
  let moved: MovedRecords | undefined;
  let movedTooMany = false;
  if (tallies.some((tally) => tally.server < tally.warehouse)) {
    const changed = await readMoved(verify, stream, cursor);
    moved = changed.moved;
    movedTooMany = changed.tooMany;
    if (moved) tallies = await withWarehouseCounts(verify, stream, counted, moved);
    else
      notes.push(
        `more than ${VERIFY_DEFAULTS.maxMovedRecords} records changed since the last sync: not read, so buckets they left may show as differing (sync, then verify)`,
      );
  }
  const initial = tallies;
  let heal: HealSummary | null = null;
  if (options.heal && tallies.some(differs)) {
    const healed = await healBuckets(verify, stream, { tallies, moved, cursor, movedTooMany }, options.heal);
    ({ tallies, moved } = healed.state);
    heal = await withLedgerCounts(verify, healed.summary);
  }
  const movedRows = tallies.reduce((sum, tally) => sum + tally.moved, 0);
  if (movedRows > 0)
    notes.push(
      `${movedRows} rows changed on the server since the last sync (now after the cursor): set aside, the next sync updates them`,
    );
  const samples = await sampleDiffering(
    tallies,
    (tally) => sampleBucket(verify, stream, tally, moved),
    await countRejectedRecords(verify.ctx.db, stream.name),
  );
  const buckets = tallies.map((tally, index) =>
    bucketResult(tally, initial[index] as Tally, heal !== null, samples.get(tally)),
  );
  return resultOf(verify, { field, range, buckets, withoutValue, heal, notes });
}

/** The records without a cursor value, on both sides (see the header); a heal cannot walk to them. */
async function compareWithoutValue(
  verify: VerifyContext,
  stream: IncrementalStream,
): Promise<WithoutValueResult> {
  const field = stream.cursor.recordField;
  let server: number | undefined;
  let why = "the endpoint gives no count to trust: SEI's records without a value could not be counted";
  try {
    server = await countWithoutValue(verify, stream);
  } catch (error) {
    if (verify.run.signal.aborted) throw error;
    why = `the list could not be counted without a range on ${field} (${error instanceof Error ? error.message : String(error)})`;
  }
  const warehouse = await countRowsWithoutValue(verify.ctx.db, stream.table, stream.cursor, verify.rows);
  if (server === undefined) return { server: null, warehouse, outcome: 'unknown', note: why };
  if (server === warehouse)
    return { server, warehouse, outcome: 'equal', note: `records without ${field}: as many on both sides` };
  if (server > warehouse)
    return {
      server,
      warehouse,
      outcome: 'not_readable_by_time',
      note: `${server - warehouse} records SEI lists have no ${field} yet (e.g. runs still running): a walk by time cannot read them; they are read once they get one`,
    };
  return {
    server,
    warehouse,
    outcome: 'differs',
    note: `${warehouse - server} more rows without ${field} here than SEI lists without one`,
  };
}

/** Server counts of the month buckets of `range` (crowded months cut smaller). */
async function countBuckets(verify: VerifyContext, stream: IncrementalStream, range: TimeRange) {
  const { buckets } = await rangeBuckets(verify, stream, range);
  return serverCounts(verify, stream, buckets, bucketLimit(verify, stream));
}

/** The keys of what changed on the server since the cursor (unless that is more than is worth reading). */
async function readMoved(
  verify: VerifyContext,
  stream: IncrementalStream,
  cursor: number,
): Promise<{ moved: MovedRecords | undefined; tooMany: boolean }> {
  const range = { from: cursor, to: toEpochSeconds(verify.ctx.now()) + 1 };
  if (range.to <= range.from) return { moved: { keys: new Set(), through: cursor }, tooMany: false };
  if (stream.totalCount !== 'page') {
    const { total } = await probeRange(verify, stream, range);
    if (total !== undefined && total > VERIFY_DEFAULTS.maxMovedRecords)
      return { moved: undefined, tooMany: true };
  }
  const read = await readRangeKeys(verify, stream, range);
  return { moved: { keys: read.keys, through: range.to }, tooMany: false };
}

async function verifyWholeList(
  verify: VerifyContext,
  stream: FullRefreshStream,
  options: { heal: ListHealPort | undefined },
): Promise<StreamVerifyResult> {
  const notes: string[] = [];
  const tally = async (): Promise<{ counts: BucketCounts; method: Tally['method']; read?: KeyRead }> => {
    const total = await countList(verify, stream);
    if (total !== undefined)
      return {
        counts: { server: total, warehouse: await countLiveRows(verify.ctx.db, stream.table), moved: 0 },
        method: 'total_count',
      };
    const read = await readListKeys(verify, stream);
    if (!read.clean) notes.push('the list kept changing between reads: its keys may be off by what changed');
    return {
      counts: {
        server: read.keys.size,
        warehouse: await countLiveRows(verify.ctx.db, stream.table),
        moved: 0,
      },
      method: 'distinct_keys',
      read,
    };
  };
  if (stream.totalCount === 'page')
    notes.push(
      "the endpoint's total_count is the page's own size: the list was read and its distinct keys counted",
    );
  let first: Awaited<ReturnType<typeof tally>>;
  try {
    first = await tally();
  } catch (error) {
    // The endpoint fails the way the server's code always fails there: a sync derives the rows from
    // another stream's table, so there is no server count to compare; that stream is verified itself.
    const known = knownFailure(stream, error);
    if (!known) throw error;
    return resultOf(verify, {
      field: null,
      status: 'skipped',
      notes: [
        `${stream.path} answered ${known.status}: ${known.fallback.reason}; its rows are derived from ${known.fallback.from}, verified there`,
      ],
    });
  }
  let last = first;
  let heal: HealSummary | null = null;
  if (options.heal && differs(first.counts)) {
    heal = await withLedgerCounts(verify, await healList(options.heal));
    last = await tally();
  }
  const whole: Tally = { range: { from: 0, to: 0 }, method: last.method, ...last.counts };
  const samples = await sampleDiffering([whole], async () =>
    keySample(
      last.read ?? (await readListKeys(verify, stream)),
      await liveRowKeys(verify.ctx.db, stream.table),
    ),
  );
  const bucket = bucketResult(whole, { ...whole, ...first.counts }, heal !== null, samples.get(whole));
  return resultOf(verify, { field: null, buckets: [{ ...bucket, range: null }], heal, notes });
}

/** What the heal wrote, from its stream run in the ledger (the verify itself writes no rows). */
async function withLedgerCounts(verify: VerifyContext, summary: HealSummary): Promise<HealSummary> {
  const { counts } = await readStreamRun(verify.ctx.db, verify.run.runId, verify.run.stream.name);
  return { ...summary, records: counts.records, inserted: counts.inserted, updated: counts.updated };
}

/**
 * Samples the largest differences (a read of each bucket); a sample is keyed by its tally. Records
 * that do not normalize leave the server one record ahead in each bucket they lie in, and only a
 * bucket's read tells them from lost records: when the stored rejects can account for every bucket
 * the server is ahead in, all of those are read too (at most one read per reject), so that rejects
 * spread over any number of buckets are explained, not only those of the largest differences.
 */
async function sampleDiffering(
  tallies: readonly Tally[],
  sample: (tally: Tally) => Promise<KeySample>,
  rejectedRecords = 0,
): Promise<Map<Tally, KeySample>> {
  const gap = (tally: Tally) => tally.server - (tally.warehouse - tally.moved);
  const differing = tallies.filter(differs);
  const worst = [...differing]
    .sort((a, b) => Math.abs(gap(b)) - Math.abs(gap(a)))
    .slice(0, VERIFY_DEFAULTS.sampledBuckets);
  const ahead = differing.filter((tally) => gap(tally) > 0);
  const byRejects = ahead.reduce((sum, tally) => sum + gap(tally), 0) <= rejectedRecords ? ahead : [];
  const read = [...new Set([...worst, ...byRejects])];
  return new Map(await Promise.all(read.map(async (tally) => [tally, await sample(tally)] as const)));
}

/** The keys each side holds in a bucket that the other does not (rows moved past the cursor aside). */
async function sampleBucket(
  verify: VerifyContext,
  stream: IncrementalStream,
  tally: Tally,
  moved: MovedRecords | undefined,
): Promise<KeySample> {
  const server = await readRangeKeys(verify, stream, tally.range);
  const here = await liveRowKeys(
    verify.ctx.db,
    stream.table,
    {
      column: stream.cursor.column,
      from: fromEpochSeconds(tally.range.from),
      to: fromEpochSeconds(tally.range.to),
    },
    verify.rows,
  );
  for (const key of moved?.keys ?? []) here.delete(key);
  return keySample(server, here);
}

function keySample(server: KeyRead, here: ReadonlySet<string>): KeySample {
  const missing = [...server.keys].filter((key) => !here.has(key));
  const extra = [...here].filter((key) => !server.keys.has(key));
  return {
    missing: missing.sort().slice(0, VERIFY_DEFAULTS.keysPerSample),
    extra: extra.sort().slice(0, VERIFY_DEFAULTS.keysPerSample),
    rejected: server.rejected,
  };
}

/**
 * The outcome of a bucket. A difference made only of records that do not normalize (the same keys on
 * both sides, the server's extra count equal to its rejects) is equal: those records are stored in
 * `sei_sync.rejects`, not lost; the sample still shows them.
 */
function bucketResult(
  tally: Tally,
  initial: Tally,
  healed: boolean,
  sample: KeySample | undefined,
): BucketResult {
  const explained =
    sample !== undefined &&
    sample.missing.length === 0 &&
    sample.extra.length === 0 &&
    tally.server - (tally.warehouse - tally.moved) === sample.rejected;
  const changed =
    initial.server !== tally.server || initial.warehouse !== tally.warehouse || initial.moved !== tally.moved;
  return {
    range: tally.range,
    method: tally.method,
    server: tally.server,
    warehouse: tally.warehouse,
    moved: tally.moved,
    outcome: explained
      ? 'equal'
      : differs(tally)
        ? 'differs'
        : healed && differs(initial)
          ? 'healed'
          : 'equal',
    before:
      healed && changed
        ? { server: initial.server, warehouse: initial.warehouse, moved: initial.moved }
        : null,
    sample: sample ?? null,
  };
}
