/**
 * The promise of `capture` and `simulator --replay`: a capture of the simulator, replayed into a fresh
 * database by a sync on the capture's clock, gives the same tables as the original sync; and the key
 * is in none of the captured bytes.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CaptureManifest, runCapture } from '../../../src/capture/index.js';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { Secret } from '../../../src/secret.js';
import { type ReplayServer, startReplayServer } from '../../../src/simulator/replay/index.js';
import { openWarehouse, qualified, type Warehouse } from '../../../src/state/index.js';
import { keyText } from '../../../src/state/sql-text.js';
import { STREAMS } from '../../../src/streams/registry.js';
import { STREAM_NAMES } from '../../../src/streams/types.js';
import { createSyncEngineFromConfig, runSync } from '../../../src/sync/index.js';
import { tableDifferences } from '../../support/run-state.js';
import { createTestDatabase, type TestDatabase } from '../../support/services.js';
import { canonicalHash, type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';
import { openTestWarehouse } from '../../support/warehouses.js';

/** Long and unlike anything in the data, so finding it anywhere means it leaked. */
const KEY = 'capture-test-key-7c1e5a9b3d';

/** Every stream's live rows, key → hash of the raw record. */
async function tables(warehouse: Warehouse): Promise<Record<string, Map<string, string>>> {
  const out: Record<string, Map<string, string>> = {};
  for (const stream of STREAM_NAMES) {
    const { table } = STREAMS[stream];
    const { rows } = await warehouse.db.executeQuery<Record<string, unknown>>(
      CompiledQuery.raw(
        `SELECT ${table.key.map((k) => `"${k}"`).join(', ')}, raw FROM ${qualified(table.schema, table.name)} WHERE deleted_at IS NULL`,
      ),
    );
    out[stream] = new Map(rows.map((row) => [keyText(row, table.key), canonicalHash(row.raw)]));
  }
  return out;
}

describe('capture, then replay into a fresh database', () => {
  let harness: SyncHarness;
  let replay: ReplayServer;
  let databaseB: TestDatabase;
  let warehouseB: Warehouse;
  let dir: string;
  let manifest: CaptureManifest;

  beforeAll(async () => {
    // 300 records in pages of 50: the big streams are cut into slices, whose edges depend on the clock.
    harness = await startSyncHarness({
      simulator: { records: 300, adminKeys: [KEY] },
      env: { SEI_API_KEY: KEY },
    });
    dir = mkdtempSync(join(tmpdir(), 'capture-replay-'));
    databaseB = await createTestDatabase('sei_test', { migrated: true });
    warehouseB = await openWarehouse({ databaseUrl: new Secret(databaseB.url) });
  }, 120_000);

  afterAll(async () => {
    await replay?.close();
    await warehouseB?.close();
    await databaseB?.drop();
    await harness?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('syncs the simulator into A (the original sync, on the real clock)', async () => {
    const run = await runSync(harness.engine, { streams: STREAM_NAMES, fullRefresh: false, trigger: 'cli' });
    expect(run.results.filter((result) => result.status !== 'succeeded')).toEqual([]);
    expect(await tableDifferences(harness)).toEqual([]);
  }, 120_000);

  it('captures every stream whole, into a throwaway database', async () => {
    // A throwaway PostgreSQL database rather than the CLI's embedded one (its PGlite start and
    // migrations cost ~20 s here); `sei-sync capture` itself, embedded scratch included, is in
    // test/e2e/capture-replay.test.ts.
    const scratch = await openTestWarehouse('postgres');
    try {
      manifest = await runCapture({
        config: harness.config,
        streams: STREAM_NAMES,
        pages: 1000,
        out: dir,
        redact: false,
        logger: silentLogger,
        warehouse: scratch.warehouse,
      });
    } finally {
      await scratch.close();
    }
    expect(manifest.streams.filter((stream) => !stream.complete)).toEqual([]);
    expect(manifest.streams.map((stream) => stream.stream).sort()).toEqual([...STREAM_NAMES].sort());
    expect(readdirSync(join(dir, 'exchanges'))).toHaveLength(manifest.exchanges);
    expect(manifest.source.host).toBe(new URL(harness.simulator.url).host);
  }, 120_000);

  it('never writes the key: not in any byte of the capture', () => {
    const files = [
      join(dir, 'manifest.json'),
      ...readdirSync(join(dir, 'exchanges')).map((name) => join(dir, 'exchanges', name)),
    ];
    expect(files.length).toBeGreaterThan(STREAM_NAMES.length);
    const leaks = files.filter((file) => readFileSync(file).includes(KEY));
    expect(leaks).toEqual([]);
  });

  it('replays into B: the same tables as A, every request found in the capture', async () => {
    replay = await startReplayServer({ dir });
    const config = loadConfig({
      SEI_BASE_URL: replay.url,
      SEI_API_KEY: 'any-key',
      SEI_PAGE_SIZE: '50',
      SEI_REQUESTS_PER_MINUTE: '5000',
      SEI_SYNC_CLOCK: manifest.clock,
      LOG_LEVEL: 'silent',
    });
    const configured = await createSyncEngineFromConfig(config, {
      logger: silentLogger,
      warehouse: warehouseB,
    });
    try {
      const run = await runSync(configured.engine, {
        streams: STREAM_NAMES,
        fullRefresh: false,
        trigger: 'cli',
      });
      expect(replay.misses).toEqual([]);
      expect(run.results.filter((result) => result.status !== 'succeeded')).toEqual([]);
    } finally {
      await configured.close();
    }
    const [a, b] = [await tables(harness.warehouse), await tables(warehouseB)];
    for (const stream of STREAM_NAMES)
      expect({ stream, rows: b[stream] }).toEqual({ stream, rows: a[stream] });
    expect(Object.values(a).reduce((sum, rows) => sum + rows.size, 0)).toBeGreaterThan(1000);
  }, 120_000);

  it('without the clock, the replayed sync asks for windows that were not captured, and is told so', async () => {
    const config = loadConfig({
      SEI_BASE_URL: replay.url,
      SEI_API_KEY: 'any-key',
      SEI_PAGE_SIZE: '50',
      LOG_LEVEL: 'silent',
    });
    const database = await createTestDatabase('sei_test', { migrated: true });
    const warehouse = await openWarehouse({ databaseUrl: new Secret(database.url) });
    try {
      const configured = await createSyncEngineFromConfig(config, { logger: silentLogger, warehouse });
      const before = replay.misses.length;
      try {
        await runSync(configured.engine, { streams: ['jira_issues'], fullRefresh: false, trigger: 'cli' });
      } finally {
        await configured.close();
      }
      const miss = replay.misses[before];
      expect(miss?.path).toBe('/v1/jira_issues/list');
      expect(miss?.hint).toContain('SEI_SYNC_CLOCK');
    } finally {
      await warehouse.close();
      await database.drop();
    }
  }, 60_000);

  it('a redacted capture still replays: the same rows by key and count, none of the names or emails', async () => {
    const redactedDir = mkdtempSync(join(tmpdir(), 'capture-redacted-'));
    const database = await createTestDatabase('sei_test', { migrated: true });
    const warehouse = await openWarehouse({ databaseUrl: new Secret(database.url) });
    let redactedReplay: ReplayServer | undefined;
    const streams = ['jira_issues', 'org_users', 'scm_pull_requests'] as const;
    const scratch = await openTestWarehouse('postgres');
    try {
      const redacted = await runCapture({
        config: harness.config,
        streams,
        pages: 1000,
        out: redactedDir,
        redact: true,
        logger: silentLogger,
        warehouse: scratch.warehouse,
      });
      expect(redacted.streams.every((stream) => stream.complete)).toBe(true);
      redactedReplay = await startReplayServer({ dir: redactedDir });
      const config = loadConfig({
        SEI_BASE_URL: redactedReplay.url,
        SEI_API_KEY: 'any-key',
        SEI_PAGE_SIZE: '50',
        SEI_SYNC_CLOCK: redacted.clock,
        LOG_LEVEL: 'silent',
      });
      const configured = await createSyncEngineFromConfig(config, { logger: silentLogger, warehouse });
      try {
        const run = await runSync(configured.engine, { streams, fullRefresh: false, trigger: 'cli' });
        expect(redactedReplay.misses).toEqual([]);
        expect(run.results.filter((result) => result.status !== 'succeeded')).toEqual([]);
      } finally {
        await configured.close();
      }
      const [a, c] = [await tables(harness.warehouse), await tables(warehouse)];
      for (const stream of streams)
        expect([stream, [...c[stream]!.keys()].sort()]).toEqual([stream, [...a[stream]!.keys()].sort()]);
      const people = harness.simulator.dataset.records('org_users');
      const names = people
        .flatMap((user) => [user.full_name, user.email])
        .filter((v): v is string => typeof v === 'string' && v.length > 3);
      expect(names.length).toBeGreaterThan(10);
      const { rows } = await warehouse.db.executeQuery<{ raw: unknown }>(
        CompiledQuery.raw('SELECT raw FROM sei.org_users'),
      );
      const stored = JSON.stringify(rows);
      expect(names.filter((name) => stored.includes(name))).toEqual([]);
      const captured = readdirSync(join(redactedDir, 'exchanges'))
        .map((name) => readFileSync(join(redactedDir, 'exchanges', name), 'utf8'))
        .join('');
      expect(names.filter((name) => captured.includes(name))).toEqual([]);
    } finally {
      await scratch.close();
      await redactedReplay?.close();
      await warehouse.close();
      await database.drop();
      rmSync(redactedDir, { recursive: true, force: true });
    }
  }, 120_000);
});
