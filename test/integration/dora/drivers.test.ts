/**
 * The worker runs the DORA snapshot streams through the same steps as `sei-sync sync`: a stream job's
 * first step (beginStream) reads every collection and ends the stream, and the DORA tables come out
 * the same as in one process.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DORA_STREAMS } from '../../../src/streams/registry.js';
import { DORA_STREAM_NAMES } from '../../../src/streams/types.js';
import { runSync } from '../../../src/sync/index.js';
import { type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';
import { AS_OF, SOURCES } from './sources.js';

const NOW = new Date('2024-12-01T06:00:00Z');

/** Every live DORA row as (table, key, row_hash): what the walk wrote, not when. */
async function doraRows(harness: SyncHarness): Promise<string[]> {
  const rows: string[] = [];
  for (const stream of Object.values(DORA_STREAMS)) {
    const { schema, name, key } = stream.table;
    const keyText = key.map((column) => `coalesce(${column}::text, '')`).join(` || '/' || `);
    const result = await sql<{ line: string }>`${sql.raw(
      `SELECT '${name}/' || ${keyText} || '=' || row_hash AS line FROM "${schema}"."${name}" WHERE deleted_at IS NULL`,
    )}`.execute(harness.warehouse.db);
    rows.push(...result.rows.map((row) => row.line));
  }
  return rows.sort();
}

describe('DORA snapshot streams under both drivers', () => {
  let local: SyncHarness;
  let worker: SyncHarness;
  const engineOf = (harness: SyncHarness) =>
    harness.newEngine({
      config: { ...harness.config, dora: { ...harness.config.dora, asOf: AS_OF } },
      now: () => NOW,
    });

  beforeAll(async () => {
    [local, worker] = await Promise.all([
      startSyncHarness({ simulator: { seed: 9, records: 200 } }),
      startSyncHarness({ simulator: { seed: 9, records: 200 } }),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([local?.close(), worker?.close()]);
  });

  it('write the same rows in one process and as worker steps', async () => {
    const run = await runSync(engineOf(local), {
      streams: [...SOURCES, ...DORA_STREAM_NAMES],
      fullRefresh: false,
      trigger: 'cli',
    });
    for (const result of run.results) expect(result, result.stream).toMatchObject({ status: 'succeeded' });

    const engine = engineOf(worker);
    const sources = await runSync(engine, { streams: SOURCES, fullRefresh: false, trigger: 'cli' });
    expect(sources.status).toBe('succeeded');
    const runId = await engine.startRun({
      trigger: 'manual',
      streams: DORA_STREAM_NAMES,
      fullRefresh: false,
    });
    const results = [];
    for (const stream of DORA_STREAM_NAMES) {
      const step = await engine.beginStream({ runId, stream, fullRefresh: false });
      expect(step.kind, stream).toBe('done');
      if (step.kind === 'done') results.push(step.result);
    }
    expect(results.map((result) => [result.stream, result.status])).toEqual(
      DORA_STREAM_NAMES.map((name) => [name, 'succeeded']),
    );
    expect(await engine.finishRun(runId, results)).toBe('succeeded');

    const expected = await doraRows(local);
    expect(expected.length).toBeGreaterThan(500);
    expect(await doraRows(worker)).toEqual(expected);
  }, 180_000);
});
