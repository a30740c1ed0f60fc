/** A 2.0 tenant in the simulator and a fresh warehouse, synced through the configured engine. */
import { sql } from 'kysely';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { Secret } from '../../../src/secret.js';
import { type SimulatorHandleWithExtras, startSimulator } from '../../../src/simulator/index.js';
import { openWarehouse, type Warehouse } from '../../../src/state/open.js';
import { type AnyStreamName, V2_STREAM_NAMES } from '../../../src/streams/types.js';
import { type ConfiguredEngine, createSyncEngineFromConfig } from '../../../src/sync/index.js';
import { runSync } from '../../../src/sync/run-sync.js';
import { createTestDatabase, type TestDatabase } from '../../support/services.js';

/** Every row the 2.0 streams load, as (kind, key, content): what two loads of one tenant must share. */
export const TABLES = `
  SELECT 'row' AS kind, export_type || '/' || scope || '/' || row_key AS k, row_hash AS v FROM sei_v2.export_rows
  UNION ALL SELECT 'metric', export_type || '/' || scope || '/' || row_key || '/' || metric, value_text FROM sei_v2.export_metrics
  UNION ALL SELECT 'team', team_ref_id, row_hash FROM sei_v2.teams WHERE valid_to IS NULL
  UNION ALL SELECT 'developer', developer_ref_id, row_hash FROM sei_v2.developers WHERE valid_to IS NULL
  UNION ALL SELECT 'member', team_ref_id || '/' || developer_ref_id, row_hash FROM sei_v2.team_members WHERE valid_to IS NULL
  ORDER BY 1, 2`;

export interface V2Harness {
  sim: SimulatorHandleWithExtras;
  database: TestDatabase;
  warehouse: Warehouse;
  /** The simulator's clock (the 30-minute reuse reads it). */
  clock: { ms: number };
  /** One engine per call, from the environment as a user sets it (plus `env`). */
  engine(env?: Record<string, string>): Promise<ConfiguredEngine>;
  sync(streams?: readonly AnyStreamName[], env?: Record<string, string>): ReturnType<typeof runSync>;
  rows<T = Record<string, unknown>>(query: string): Promise<T[]>;
  close(): Promise<void>;
}

export async function startV2Harness(options: { seed?: number } = {}): Promise<V2Harness> {
  const clock = { ms: Date.parse('2026-12-01T00:00:00Z') };
  const sim = await startSimulator({ records: 30, seed: options.seed ?? 23, v2: { now: () => clock.ms } });
  const database = await createTestDatabase('sei_test', { migrated: true });
  const warehouse = await openWarehouse({ databaseUrl: new Secret(database.url) });
  const baseEnv = {
    DATABASE_URL: database.url,
    SEI_BASE_URL: sim.url,
    SEI_API_KEY: sim.adminKey,
    SEI_V2_BASE_URL: `${sim.url}/gateway/sei/api`,
    SEI_V2_ACCOUNT: 'sim-account',
    SEI_V2_ORG: 'default',
    SEI_V2_PROJECT: 'sim_project',
    SEI_V2_POLL_MS: '1',
    SEI_REQUESTS_PER_MINUTE: '5000',
    LOG_LEVEL: 'silent',
  };
  const engine = (env: Record<string, string> = {}) =>
    createSyncEngineFromConfig(loadConfig({ ...baseEnv, ...env }), { logger: silentLogger, warehouse });
  return {
    sim,
    database,
    warehouse,
    clock,
    engine,
    async sync(streams = V2_STREAM_NAMES, env = {}) {
      const configured = await engine(env);
      try {
        return await runSync(configured.engine, { streams, fullRefresh: false, trigger: 'cli' });
      } finally {
        await configured.close();
      }
    },
    async rows<T>(query: string) {
      return (await sql.raw(query).execute(warehouse.db)).rows as T[];
    },
    async close() {
      await warehouse.close();
      await database.drop();
      await sim.close();
    },
  };
}
