import type { Command } from 'commander';
import { migrateToLatest } from '../warehouse/migrate.js';
import { commandContext } from './context.js';
import { withWarehouse } from './open-warehouse.js';
import { runAction } from './run-action.js';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('create or update the sei and sei_sync schemas (idempotent, safe to run concurrently)')
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
