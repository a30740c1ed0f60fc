/**
 * Builds a ready engine from the configuration: warehouse (checked to be migrated), SEI client and
 * request budget. The `sync` command, the demo and the worker all start here.
 */
import type { Config } from '../config.js';
import type { RequestBudget } from '../extract/sei/budget.js';
import { createSeiClient, type SeiClient } from '../extract/sei/client.js';
import { TokenBucketBudget } from '../extract/sei/token-bucket.js';
import { budgetObserver } from '../observability/budget-observer.js';
import type { Logger } from '../observability/logger.js';
import { assertMigrated } from '../state/migrate.js';
import { openWarehouse, type Warehouse } from '../state/open.js';
import { V2Client } from '../v2/client.js';
import { type ChangeListener, createSyncEngine } from './engine.js';
import type { SyncEngine } from './types.js';

export { type ChangeListener, createSyncEngine } from './engine.js';
export { type RunSyncOptions, type RunSyncResult, runSync } from './run-sync.js';
export type * from './types.js';

export interface EngineFromConfigOptions {
  logger: Logger;
  /** @defaultValue an in-process token bucket at `SEI_REQUESTS_PER_MINUTE` */
  budget?: RequestBudget;
  /** Use this warehouse instead of opening one from the configuration (left open on close). */
  warehouse?: Warehouse;
  changeListener?: ChangeListener;
}

export interface ConfiguredEngine {
  engine: SyncEngine;
  warehouse: Warehouse;
  client: SeiClient;
  close(): Promise<void>;
}

export async function createSyncEngineFromConfig(
  config: Config,
  options: EngineFromConfigOptions,
): Promise<ConfiguredEngine> {
  const ownsWarehouse = options.warehouse === undefined;
  const warehouse =
    options.warehouse ?? (await openWarehouse({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  try {
    await assertMigrated(warehouse);
  } catch (error) {
    if (ownsWarehouse) await warehouse.close();
    throw error;
  }
  const ownsBudget = options.budget === undefined;
  const { requestsPerMinute } = config.sei;
  const budget =
    options.budget ??
    new TokenBucketBudget({
      requestsPerMinute,
      ...(options.logger && {
        observer: budgetObserver({ logger: options.logger, configuredRequestsPerMinute: requestsPerMinute }),
      }),
    });
  const client = createSeiClient(config.sei, budget, options.logger);
  if (config.clock)
    options.logger.warn(
      { clock: config.clock.toISOString() },
      'SEI_SYNC_CLOCK freezes the sync clock: for replaying a capture only, never against a real SEI',
    );
  // SEI 2.0 shares the budget (one key limit, one ledger) when configured.
  const v2Client = config.v2
    ? new V2Client({
        settings: config.v2,
        budget,
        timeoutMs: config.sei.timeoutMs,
        maxAttempts: config.sei.maxAttempts,
        logger: options.logger,
      })
    : undefined;
  const engine = createSyncEngine({
    warehouse,
    client,
    config,
    logger: options.logger,
    ...(options.changeListener && { changeListener: options.changeListener }),
    // Replaying a capture: the requests of its walks again (docs/capture.md#replay).
    ...(config.clock && { now: () => config.clock as Date }),
    ...(config.v2 && v2Client && { v2: { settings: config.v2, client: v2Client } }),
  });
  return {
    engine,
    warehouse,
    client,
    close: async () => {
      await engine.close();
      await client.close();
      await v2Client?.close();
      if (ownsBudget) await budget.close?.();
      if (ownsWarehouse) await warehouse.close();
    },
  };
}
export type { RunStatus, StreamCounts, StreamRunResult, SyncProgress } from './types.js';
