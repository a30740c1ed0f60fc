import type { Command } from 'commander';
import { migrateToLatest } from '../state/index.js';
import { commandContext } from './context.js';
import { withWarehouse } from './open-warehouse.js';
import { runAction } from './run-action.js';

/** Every schema the migrations own (data, bookkeeping, SCD history, BI views). */
export const WAREHOUSE_SCHEMAS = ['sei', 'sei_sync', 'sei_history', 'sei_bi', 'sei_v2'] as const;

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description(
      `create or update the schemas ${WAREHOUSE_SCHEMAS.join(', ')} (idempotent, safe to run concurrently)`,
    )
    .action(
      runAction(async () => {
        const { config } = commandContext();
        await withWarehouse(config, async (warehouse) => {
          const { applied } = await migrateToLatest(warehouse);
          if (applied.length === 0) process.stdout.write(`${warehouse.location}: schema is up to date\n`);
          for (const name of applied) process.stdout.write(`${warehouse.location}: applied ${name}\n`);
        });
        return 0;
      }),
    );
}
