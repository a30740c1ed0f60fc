/**
 * The "done when", over HTTP: a sync of every stream of a simulator dataset mixed with hostile
 * records of every kind (`hostile` option, src/simulator/hostile.ts) succeeds on PostgreSQL and on
 * PGlite. Every clean record lands as served; every hostile one lands with its values made storable
 * (counted, described) or sits in sei_sync.rejects with its reason.
 */
import { rmSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeRecord, outcomeKey } from '../../../src/normalize/record.js';
import { HOSTILE_KINDS, hostileKindOf } from '../../../src/simulator/hostile.js';
import { STREAMS } from '../../../src/streams/registry.js';
import { STREAM_NAMES, type StreamName } from '../../../src/streams/types.js';
import { type RunSyncResult, runSync } from '../../../src/sync/run-sync.js';
import { migratedPgliteDir } from '../../support/pglite-template.js';
import { diffStream, type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';
import { WAREHOUSE_KINDS } from '../../support/warehouses.js';

const SEED = 5;
const FRACTION = 0.06;

describe.each(WAREHOUSE_KINDS)('a sync of a dataset mixed with hostile records, on %s', (kind) => {
  let harness: SyncHarness;
  let run: RunSyncResult;
  let dir: string | undefined;

  beforeAll(async () => {
    dir = kind === 'pglite' ? await migratedPgliteDir('sei-hostile-sim-') : undefined;
    harness = await startSyncHarness({
      simulator: { records: 400, seed: SEED, hostile: FRACTION },
      ...(dir && { pgliteDir: dir }),
    });
    run = await runSync(harness.engine, { streams: STREAM_NAMES, fullRefresh: false, trigger: 'cli' });
  }, 180_000);
  afterAll(async () => {
    await harness?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Each served record of `stream` with the hostile kind it carries, if any. */
  const served = (stream: StreamName) =>
    harness.simulator.dataset.records(stream).map((record, ordinal) => ({
      record,
      kind: hostileKindOf(stream, ordinal, { seed: SEED, fraction: FRACTION }),
    }));

  it('succeeds on every stream', () => {
    expect(run.results.filter((result) => result.status !== 'succeeded')).toEqual([]);
    expect(run.status).toBe('succeeded');
  });

  it('mixed in every kind of hostile record', () => {
    const kinds = new Set(STREAM_NAMES.flatMap((stream) => served(stream).map((entry) => entry.kind)));
    expect([...kinds].filter((k) => k !== undefined).sort()).toEqual(Object.keys(HOSTILE_KINDS).sort());
  });

  it('cicd_jobs (its endpoint fails in the server code): derived from the job runs that landed', async () => {
    expect(await diffStream(harness, 'cicd_jobs')).toMatchObject({
      missing: [],
      unexpected: [],
      different: [],
    });
  });

  it.each(STREAM_NAMES.filter((stream) => STREAMS[stream].fallback === undefined))(
    '%s: every record landed as stored, or sits in the rejects with its reason',
    async (stream) => {
      const definition = STREAMS[stream];
      // Raw as stored (unstorable characters replaced) against what the simulator serves.
      const diff = await diffStream(harness, stream);
      expect(diff).toMatchObject({ missing: [], unexpected: [], different: [] });
      const rejects = await sql<{ record_key: string | null; reason: string }>`
      SELECT record_key, reason FROM sei_sync.rejects WHERE stream = ${stream}`.execute(harness.warehouse.db);
      const rejectedKeys = rejects.rows.map((row) => row.record_key);
      let sanitized = 0;
      for (const { record, kind } of served(stream)) {
        if (definition.mode === 'incremental' && !record[definition.cursor.recordField]) continue;
        const outcome = normalizeRecord(definition, record);
        if (outcome.notes.length > 0) sanitized += 1;
        if (kind !== undefined) expect(outcome.ok ? 'lands' : 'rejected').toBe(HOSTILE_KINDS[kind].outcome);
        if (!outcome.ok) expect(rejectedKeys).toContain(outcomeKey(definition, outcome));
      }
      for (const row of rejects.rows) expect(row.reason).toMatch(/^key field /);
      const result = run.results.find((r) => r.stream === stream);
      if (result?.status !== 'succeeded') throw new Error(`${stream} did not succeed`);
      expect(result.counts.rejected).toBe(rejects.rows.length);
      expect(result.counts.sanitized).toBe(sanitized);
    },
  );

  it('describes every sanitized record in sei_sync.sanitized_values and counts it in the ledger', async () => {
    const db = harness.warehouse.db;
    const ledger = await sql<{ stream: string; sanitized: number }>`
      SELECT stream, sanitized FROM sei_sync.stream_runs WHERE run_id = ${run.runId} ORDER BY stream`.execute(
      db,
    );
    const counted = Object.fromEntries(
      run.results.map((result) => [
        result.stream,
        result.status === 'succeeded' ? result.counts.sanitized : -1,
      ]),
    );
    for (const row of ledger.rows) expect(row.sanitized).toBe(counted[row.stream]);
    const described = await sql<{ stream: string; records: number; actions: string[] }>`
      SELECT stream, count(DISTINCT coalesce(record_key, '')) ::int AS records, array_agg(DISTINCT action) AS actions
      FROM sei_sync.sanitized_values WHERE run_id = ${run.runId} GROUP BY stream`.execute(db);
    const actions = new Set(described.rows.flatMap((row) => row.actions));
    for (const action of [
      'replaced_characters',
      'replaced_key_characters',
      'removed_too_deep',
      'truncated',
      'nulled_out_of_range',
      'nulled_unparseable',
      'nulled_wrong_type',
    ])
      expect(actions).toContain(action);
    expect(described.rows.reduce((sum, row) => sum + row.records, 0)).toBeGreaterThan(0);
  });

  it('writes nothing on a second run over the same data', async () => {
    const again = await runSync(harness.engine, {
      streams: STREAM_NAMES,
      fullRefresh: false,
      trigger: 'cli',
    });
    expect(again.status).toBe('succeeded');
    for (const result of again.results) {
      if (result.status !== 'succeeded') throw new Error(`${result.stream} failed`);
      expect({
        stream: result.stream,
        inserted: result.counts.inserted,
        updated: result.counts.updated,
      }).toEqual({
        stream: result.stream,
        inserted: 0,
        updated: 0,
      });
    }
  });
});
