import type { Config } from '../config.js';
import { openWarehouse, type Warehouse } from '../state/index.js';

/**
 * Opens the configured warehouse, runs `use`, and always closes it. Commands that read or migrate need
 * two connections; a command that syncs (`{ syncs: true }`) gets the default pool, so every stream can
 * write its pages at once.
 */
export async function withWarehouse<T>(
  config: Config,
  use: (warehouse: Warehouse) => Promise<T>,
  options: { syncs?: boolean } = {},
): Promise<T> {
  const warehouse = await openWarehouse({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    ...(!options.syncs && { poolSize: 2 }),
  });
  try {
    return await use(warehouse);
  } finally {
    await warehouse.close();
  }
}
