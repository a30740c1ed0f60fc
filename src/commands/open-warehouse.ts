import type { Config } from '../config.js';
import { openWarehouse, type Warehouse } from '../warehouse/db.js';

/**
 * Opens the configured warehouse, runs `use`, and always closes it. Commands that only read or migrate
 * need two connections; a command that syncs asks for the default pool (`poolSize: undefined`).
 */
export async function withWarehouse<T>(
  config: Config,
  use: (warehouse: Warehouse) => Promise<T>,
  options: { poolSize?: number | undefined } = { poolSize: 2 },
): Promise<T> {
  const warehouse = await openWarehouse({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    ...(options.poolSize !== undefined && { poolSize: options.poolSize }),
  });
  try {
    return await use(warehouse);
  } finally {
    await warehouse.close();
  }
}
