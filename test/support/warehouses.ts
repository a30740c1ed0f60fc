/**
 * A fresh warehouse of either kind for tests that must hold on both: a new database on the PostgreSQL
 * test server, or an embedded PGlite in a temporary directory, migrated unless `migrate: false` (copies
 * of the run's migrated templates). `close()` removes it.
 */
import { rmSync } from 'node:fs';
import { Secret } from '../../src/secret.js';
import { openWarehouse, type Warehouse, type WarehouseKind } from '../../src/state/open.js';
import { freshPgliteDir, migratedPgliteDir } from './pglite-template.js';
import { createTestDatabase } from './services.js';

export const WAREHOUSE_KINDS: readonly WarehouseKind[] = ['postgres', 'pglite'];

export interface TestWarehouse {
  warehouse: Warehouse;
  close(): Promise<void>;
}

export async function openTestWarehouse(
  kind: WarehouseKind,
  options: { migrate?: boolean } = {},
): Promise<TestWarehouse> {
  const migrated = options.migrate !== false;
  let warehouse: Warehouse;
  let remove: () => Promise<void>;
  if (kind === 'postgres') {
    const database = await createTestDatabase('sei_hostile', { migrated });
    warehouse = await openWarehouse({ databaseUrl: new Secret(database.url), poolSize: 4 });
    remove = () => database.drop();
  } else {
    const dir = await (migrated ? migratedPgliteDir : freshPgliteDir)('sei-hostile-pglite-');
    warehouse = await openWarehouse({ dataDir: dir });
    remove = async () => rmSync(dir, { recursive: true, force: true });
  }
  return {
    warehouse,
    close: async () => {
      await warehouse.close();
      await remove();
    },
  };
}
