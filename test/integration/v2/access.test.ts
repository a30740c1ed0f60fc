/**
 * The sources disagree on where the 2.0 key and account go: `doctor` tries each placement and says
 * which one the server accepts, and a sync configured that way works (here on the `.../v2` root base).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../../../src/commands/doctor.js';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { type SimulatorHandleWithExtras, startSimulator } from '../../../src/simulator/index.js';
import { createSyncEngineFromConfig } from '../../../src/sync/index.js';
import { runSync } from '../../../src/sync/run-sync.js';
import { createTestDatabase, type TestDatabase } from '../../support/services.js';

describe('SEI 2.0 key and account placement', () => {
  let sim: SimulatorHandleWithExtras;
  let database: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    sim = await startSimulator({
      records: 10,
      seed: 3,
      v2: { acceptAuth: ['xApiKey'], accountIn: ['query'] },
    });
    database = await createTestDatabase();
    env = {
      DATABASE_URL: database.url,
      SEI_BASE_URL: sim.url,
      SEI_V2_API_KEY: sim.adminKey,
      SEI_V2_ACCOUNT: 'sim-account',
      SEI_V2_ORG: 'default',
      SEI_V2_PROJECT: 'sim_project',
      REDIS_URL: 'redis://127.0.0.1:1',
      SEI_REQUESTS_PER_MINUTE: '5000',
      LOG_LEVEL: 'silent',
    };
  });
  afterAll(async () => {
    await database?.drop();
    await sim?.close();
  });

  it('doctor names the placement the server accepts, one line per 2.0 call', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    delete process.env.SEI_API_KEY;
    let checks: Awaited<ReturnType<typeof runChecks>>;
    try {
      checks = await runChecks();
    } finally {
      process.env = saved;
    }
    const v2 = checks.filter((check) => check.name === 'sei_v2');
    expect(v2.map((check) => check.message)).toEqual([
      'GET /v2/org-trees (authorization: ApiKey, account in Harness-Account header, configured): 401 "Missing or invalid API key"',
      'GET /v2/org-trees (authorization: ApiKey, account in account parameter): 401 "Missing or invalid API key"',
      'GET /v2/org-trees (x-api-key, account in Harness-Account header): 400 "account is required in the account query parameter"',
      expect.stringMatching(
        /^GET \/v2\/org-trees \(x-api-key, account in account parameter\): 200, 1 item; fields id, name, rootTeamRefId/,
      ),
      'the server accepts x-api-key, account in account parameter: set SEI_V2_KEY_HEADER=x-api-key SEI_V2_ACCOUNT_IN=query',
    ]);
    expect(v2.map((check) => check.ok)).toEqual([false, true, true, true, false]);
    expect(JSON.stringify(checks)).not.toContain(sim.adminKey);
  });

  it('syncs with the placement configured as doctor said', async () => {
    const config = loadConfig({ ...env, SEI_V2_KEY_HEADER: 'x-api-key', SEI_V2_ACCOUNT_IN: 'query' });
    expect(config.streams).toEqual([
      'v2_org',
      'v2_efficiency',
      'v2_productivity',
      'v2_sprint',
      'v2_business_alignment',
      'v2_time_in_status',
    ]);
    const { migrateToLatest } = await import('../../../src/state/migrate.js');
    const { openWarehouse } = await import('../../../src/state/open.js');
    const warehouse = await openWarehouse({ databaseUrl: config.databaseUrl });
    await migrateToLatest(warehouse);
    const configured = await createSyncEngineFromConfig(config, { logger: silentLogger, warehouse });
    try {
      const run = await runSync(configured.engine, {
        streams: ['v2_org'],
        fullRefresh: false,
        trigger: 'cli',
      });
      expect(run.results[0]).toMatchObject({ stream: 'v2_org', status: 'succeeded' });
      expect(run.results[0]?.status === 'succeeded' && run.results[0].counts.inserted).toBeGreaterThan(0);
    } finally {
      await configured.close();
      await warehouse.close();
    }
  });
});
