/**
 * An SEI simulator, a fresh migrated database and a sync engine wired together, plus the exact
 * comparison of the warehouse with the simulator's dataset that every sync test ends with.
 */
import { CompiledQuery } from 'kysely';
import { canonicalHash, derivedHashes, expectedHashes } from '../../bench/lib/verify.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createSeiClient, type SeiClient } from '../../src/extract/sei/client.js';
import { TokenBucketBudget } from '../../src/extract/sei/token-bucket.js';
import { silentLogger } from '../../src/observability/logger.js';
import { Secret } from '../../src/secret.js';
import { type SimulatorHandleWithExtras, startSimulator } from '../../src/simulator/index.js';
import type { SimulatorOptions } from '../../src/simulator/types.js';
import { openWarehouse, type Warehouse } from '../../src/state/open.js';
import { keyText, qualified } from '../../src/state/sql-text.js';
import { STREAMS } from '../../src/streams/registry.js';
import type { StreamName } from '../../src/streams/types.js';
import { createSyncEngine, type SyncEngineOptions } from '../../src/sync/engine.js';
import type { SyncEngine } from '../../src/sync/types.js';
import { createTestDatabase, type TestDatabase } from './services.js';

export interface SyncHarness {
  simulator: SimulatorHandleWithExtras;
  warehouse: Warehouse;
  database: TestDatabase | undefined;
  config: Config;
  client: SeiClient;
  engine: SyncEngine;
  /** A second engine on the same warehouse (another process, as far as leases go). */
  newEngine(overrides?: Partial<SyncEngineOptions>): SyncEngine;
  close(): Promise<void>;
}

export interface HarnessOptions {
  simulator?: SimulatorOptions;
  /** Embedded PGlite in this directory (a migrated one: `migratedPgliteDir()`) instead of PostgreSQL. */
  pgliteDir?: string;
  env?: Record<string, string>;
  engine?: Partial<SyncEngineOptions>;
}

export async function startSyncHarness(options: HarnessOptions = {}): Promise<SyncHarness> {
  const simulator = await startSimulator(options.simulator ?? {});
  const database = options.pgliteDir ? undefined : await createTestDatabase('sei_test', { migrated: true });
  const warehouse = database
    ? await openWarehouse({ databaseUrl: new Secret(database.url) })
    : await openWarehouse({ dataDir: options.pgliteDir! });
  const config = loadConfig({
    SEI_BASE_URL: simulator.url,
    SEI_API_KEY: simulator.adminKey,
    SEI_PAGE_SIZE: '50',
    SEI_REQUESTS_PER_MINUTE: '5000',
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const budget = new TokenBucketBudget({ requestsPerMinute: config.sei.requestsPerMinute, burst: 50 });
  const client = createSeiClient({ ...config.sei }, budget, silentLogger);
  const newEngine = (overrides: Partial<SyncEngineOptions> = {}) =>
    createSyncEngine({ warehouse, client, config, logger: silentLogger, ...options.engine, ...overrides });
  return {
    simulator,
    warehouse,
    database,
    config,
    client,
    engine: newEngine(),
    newEngine,
    close: async () => {
      await client.close();
      await budget.close?.();
      await warehouse.close();
      await simulator.close();
      await database?.drop();
    },
  };
}

// The comparison is shared with the benchmarks and the fault suite (one copy, in bench/lib/verify.ts).
export { canonicalHash } from '../../bench/lib/verify.js';

export interface TableDiff {
  stream: StreamName;
  expected: number;
  actual: number;
  missing: string[];
  unexpected: string[];
  different: string[];
}

/**
 * Key → hash of raw for what the simulator serves now (a derived stream: its derivation over the
 * warehouse, see `derivedHashes`), and for the live rows of the warehouse.
 */
export async function diffStream(
  harness: Pick<SyncHarness, 'simulator' | 'warehouse'>,
  stream: StreamName,
): Promise<TableDiff> {
  const expected =
    (await derivedHashes(
      async (text) =>
        (
          await harness.warehouse.db.executeQuery<{ record: unknown }>(CompiledQuery.raw(text))
        ).rows,
      stream,
    )) ?? expectedHashes(harness.simulator.dataset, stream);
  const table = STREAMS[stream].table;
  const rows = await harness.warehouse.db.executeQuery<Record<string, unknown>>(
    CompiledQuery.raw(
      `SELECT ${table.key.map((k) => `"${k}"`).join(', ')}, raw FROM ${qualified(table.schema, table.name)} WHERE deleted_at IS NULL`,
    ),
  );
  const actual = new Map(rows.rows.map((row) => [keyText(row, table.key), canonicalHash(row.raw)]));
  const missing = [...expected.keys()].filter((key) => !actual.has(key));
  const unexpected = [...actual.keys()].filter((key) => !expected.has(key));
  const different = [...expected.entries()]
    .filter(([key, hash]) => actual.has(key) && actual.get(key) !== hash)
    .map(([key]) => key);
  return {
    stream,
    expected: expected.size,
    actual: actual.size,
    missing: missing.slice(0, 10),
    unexpected: unexpected.slice(0, 10),
    different: different.slice(0, 10),
  };
}

/**
 * `diffStream` for cicd_jobs derived from job runs (its endpoint fails in the server's code): one
 * row per `cicd_job_id` of the job runs the simulator serves with an end (those the walk syncs), each
 * marked `derived_from`. Compared by key only: the record is built by the warehouse, not served.
 */
export async function derivedJobsDiff(
  harness: Pick<SyncHarness, 'simulator' | 'warehouse'>,
): Promise<TableDiff> {
  const runs = harness.simulator.dataset.records('cicd_job_runs').filter((run) => run.end_time !== undefined);
  const expected = new Set(runs.map((run) => String(run.job_id)));
  const { rows } = await harness.warehouse.db.executeQuery<{ id: string; derived_from: string | null }>(
    CompiledQuery.raw('SELECT id, derived_from FROM sei.cicd_jobs WHERE deleted_at IS NULL'),
  );
  const actual = new Set(rows.filter((row) => row.derived_from === 'cicd_job_runs').map((row) => row.id));
  return {
    stream: 'cicd_jobs',
    expected: expected.size,
    actual: rows.length,
    missing: [...expected].filter((id) => !actual.has(id)).slice(0, 10),
    unexpected: rows.filter((row) => !expected.has(row.id) || row.derived_from === null).map((row) => row.id),
    different: [],
  };
}

/** Rows of a sei table matching a SQL condition. */
export async function countRows(warehouse: Warehouse, stream: StreamName, where = 'TRUE'): Promise<number> {
  const table = STREAMS[stream].table;
  const result = await warehouse.db.executeQuery<{ n: number }>(
    CompiledQuery.raw(`SELECT count(*)::int AS n FROM ${qualified(table.schema, table.name)} WHERE ${where}`),
  );
  return result.rows[0]!.n;
}
