import type { Config } from '../config.js';
import { openWarehouse, type Warehouse } from '../warehouse/db.js';

/** Opens the configured warehouse, runs `use`, and always closes it. */
export async function withWarehouse<T>(
  config: Config,
  use: (warehouse: Warehouse) => Promise<T>,
): Promise<T> {
  const warehouse = await openWarehouse({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: 2,
  });
  try {
    return await use(warehouse);
  } finally {
    await warehouse.close();
  }
}
