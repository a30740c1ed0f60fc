/**
 * What the verify tests share: a verify whose stated requests are checked against what the simulator
 * saw, the buckets by outcome, and the exact comparison of the warehouse with the simulator.
 */
import { CompiledQuery } from 'kysely';
import { expect } from 'vitest';
import type { StreamName } from '../../src/streams/types.js';
import { runVerify } from '../../src/verify/run-verify.js';
import type { BucketResult, StreamVerifyResult } from '../../src/verify/types.js';
import { diffStream, type SyncHarness } from './sync-harness.js';

export async function sql(harness: SyncHarness, text: string, parameters: unknown[] = []) {
  return harness.warehouse.db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(text, parameters));
}

/** Verifies `streams` and checks that the requests each result states are exactly what the server saw. */
export async function verify(harness: SyncHarness, streams: StreamName[], heal = false) {
  harness.simulator.clearRequestLog();
  const run = await runVerify(harness.engine, { streams, heal });
  const stated = run.results.reduce((sum, result) => sum + result.requests, 0);
  expect(stated).toBe(harness.simulator.requestLog.length);
  return Object.fromEntries(run.results.map((result) => [result.stream, result])) as Record<
    StreamName,
    StreamVerifyResult
  >;
}

export const differing = (result: StreamVerifyResult): BucketResult[] =>
  result.buckets.filter((bucket) => bucket.outcome === 'differs');
export const healed = (result: StreamVerifyResult): BucketResult[] =>
  result.buckets.filter((bucket) => bucket.outcome === 'healed');
export const holds = (bucket: BucketResult, seconds: number) =>
  bucket.range !== null && bucket.range.from <= seconds && seconds < bucket.range.to;

export async function expectExact(harness: SyncHarness, streams: StreamName[]) {
  for (const stream of streams) {
    const diff = await diffStream(harness, stream);
    expect(diff, stream).toMatchObject({ missing: [], unexpected: [], different: [] });
    expect(diff.actual, stream).toBe(diff.expected);
  }
}
