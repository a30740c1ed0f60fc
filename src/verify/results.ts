/**
 * Verify results in the database (migration 010): written once per verified stream, read by `status`
 * (a stream whose last verify differs) and by the worker's metrics (buckets by outcome, last clean).
 */

import type { Executor } from '../load/upsert.js';
import type { StreamVerifyResult, VerifyStatus } from './types.js';
import { outcomeCounts } from './types.js';

const instant = (seconds: number | undefined) => (seconds === undefined ? null : new Date(seconds * 1000));

/** Stores one stream's verify (its buckets in the same transaction). */
export async function saveVerifyResult(
  db: Executor,
  runId: string,
  result: StreamVerifyResult,
  heal: boolean,
): Promise<void> {
  const outcomes = outcomeCounts(result.buckets);
  const sum = (side: 'server' | 'warehouse') => result.buckets.reduce((total, b) => total + b[side], 0);
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('sei_sync.verify_streams')
      .values({
        run_id: runId,
        stream: result.stream,
        status: result.status,
        heal,
        method: result.method,
        field: result.field,
        range_from: instant(result.range?.from),
        range_to: instant(result.range?.to),
        buckets: result.buckets.length,
        equal: outcomes.equal,
        differing: outcomes.differs,
        healed: outcomes.healed,
        server_total: sum('server'),
        warehouse_total: sum('warehouse'),
        requests: result.requests,
        heal_summary: result.heal === null ? null : JSON.stringify(result.heal),
        notes: result.notes,
        error_code: result.error?.code ?? null,
        error: result.error?.message ?? null,
      })
      .execute();
    if (result.buckets.length === 0) return;
    await trx
      .insertInto('sei_sync.verify_buckets')
      .values(
        result.buckets.map((bucket, index) => ({
          run_id: runId,
          stream: result.stream,
          bucket_no: index,
          range_from: instant(bucket.range?.from),
          range_to: instant(bucket.range?.to),
          method: bucket.method,
          server_count: bucket.server,
          warehouse_count: bucket.warehouse,
          moved: bucket.moved,
          outcome: bucket.outcome,
          server_before: bucket.before?.server ?? null,
          warehouse_before: bucket.before?.warehouse ?? null,
          moved_before: bucket.before?.moved ?? null,
          missing_keys: bucket.sample?.missing ?? null,
          extra_keys: bucket.sample?.extra ?? null,
          rejected: bucket.sample?.rejected ?? null,
        })),
      )
      .execute();
  });
}

/** The newest verify of a stream. */
export interface LatestVerify {
  stream: string;
  runId: string;
  verifiedAt: Date;
  status: VerifyStatus;
  heal: boolean;
  buckets: number;
  equal: number;
  differing: number;
  healed: number;
  /** When a verify of the stream last came out clean. */
  lastCleanAt: Date | null;
}

/** The newest verify of every stream ever verified, by stream. */
export async function latestVerifies(db: Executor): Promise<Map<string, LatestVerify>> {
  const latest = await db
    .selectFrom('sei_sync.verify_streams')
    .distinctOn('stream')
    .select(['stream', 'run_id', 'verified_at', 'status', 'heal', 'buckets', 'equal', 'differing', 'healed'])
    .orderBy('stream')
    .orderBy('verified_at', 'desc')
    .execute();
  const clean = await db
    .selectFrom('sei_sync.verify_streams')
    .select(['stream', (eb) => eb.fn.max('verified_at').as('at')])
    .where('status', '=', 'clean')
    .groupBy('stream')
    .execute();
  const cleanAt = new Map(clean.map((row) => [row.stream, row.at as Date | null]));
  return new Map(
    latest.map((row) => [
      row.stream,
      {
        stream: row.stream,
        runId: row.run_id,
        verifiedAt: row.verified_at,
        status: row.status,
        heal: row.heal,
        buckets: row.buckets,
        equal: row.equal,
        differing: row.differing,
        healed: row.healed,
        lastCleanAt: cleanAt.get(row.stream) ?? null,
      },
    ]),
  );
}
