/**
 * An SEI simulator, a fresh migrated database and a sync engine wired together, plus the exact
 * comparison of the warehouse with the simulator's dataset that every sync test ends with.
 */
import { createHash } from 'node:crypto';
import { CompiledQuery } from 'kysely';
import { type Config, loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/observability/logger.js';
import { Secret } from '../../src/secret.js';
import { createSeiClient, type SeiClient } from '../../src/sei/client.js';
import { TokenBucketBudget } from '../../src/sei/token-bucket.js';
import { type SimulatorHandleWithExtras, startSimulator } from '../../src/simulator/index.js';
import type { SimulatorOptions } from '../../src/simulator/types.js';
import { STREAMS } from '../../src/streams/registry.js';
import type { StreamName } from '../../src/streams/types.js';
import { createSyncEngine, type SyncEngineOptions } from '../../src/sync/engine.js';
import type { SyncEngine } from '../../src/sync/types.js';
import { openWarehouse, type Warehouse } from '../../src/warehouse/db.js';
import { migrateToLatest } from '../../src/warehouse/migrate.js';
import { keyText, qualified } from '../../src/warehouse/sql-text.js';
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
  /** Embedded PGlite in this directory instead of a PostgreSQL test database. */
  pgliteDir?: string;
  env?: Record<string, string>;
  engine?: Partial<SyncEngineOptions>;
}

export async function startSyncHarness(options: HarnessOptions = {}): Promise<SyncHarness> {
  const simulator = await startSimulator(options.simulator ?? {});
  const database = options.pgliteDir ? undefined : await createTestDatabase();
  const warehouse = database
    ? await openWarehouse({ databaseUrl: new Secret(database.url) })
    : await openWarehouse({ dataDir: options.pgliteDir! });
  await migrateToLatest(warehouse);
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

/** md5 of a JSON value with object keys sorted, so that key order never matters. */
export function canonicalHash(value: unknown): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v as object)
          .sort()
          .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return createHash('md5')
    .update(JSON.stringify(canonical(value)))
    .digest('hex');
}

export interface TableDiff {
  stream: StreamName;
  expected: number;
  actual: number;
  missing: string[];
  unexpected: string[];
  different: string[];
}

/** Key → hash of raw for what the simulator serves now, and for the live rows of the warehouse. */
export async function diffStream(
  harness: Pick<SyncHarness, 'simulator' | 'warehouse'>,
  stream: StreamName,
): Promise<TableDiff> {
  const definition = STREAMS[stream];
  const expected = new Map<string, string>();
  for (const record of harness.simulator.dataset.records(stream)) {
    // A time-range filter cannot select a record without the cursor field (a CI/CD run still in
    // progress has no end_time): incremental streams pick such records up once they have one.
    if (definition.mode === 'incremental' && !record[definition.cursor.filterField]) continue;
    const normalized = definition.normalize(record);
    if (!normalized.ok) continue;
    expected.set(keyText(normalized.row, definition.table.key), canonicalHash(record));
  }
  const table = definition.table;
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

/** Rows of a sei table matching a SQL condition. */
export async function countRows(warehouse: Warehouse, stream: StreamName, where = 'TRUE'): Promise<number> {
  const table = STREAMS[stream].table;
  const result = await warehouse.db.executeQuery<{ n: number }>(
    CompiledQuery.raw(`SELECT count(*)::int AS n FROM ${qualified(table.schema, table.name)} WHERE ${where}`),
  );
  return result.rows[0]!.n;
}
