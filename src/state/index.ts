/**
 * State: the database sei-sync keeps its place in. Opening it (open.ts: PostgreSQL or the embedded
 * PGlite), its schema types (schema.ts), migrations, checkpoints and walk slices, the run ledger,
 * stream locks, run owners and the data-directory lock.
 */

export { readCheckpoint, type WalkInProgress } from './checkpoints.js';
export { lastStreamRuns } from './ledger.js';
export { assertMigrated, migrateToLatest, pendingMigrations } from './migrate.js';
export { openWarehouse, type Warehouse } from './open.js';
export { abandonedRuns } from './run-owners.js';
export { KEY_SEPARATOR, qualified } from './sql-text.js';
export { readSlices } from './walk-slices.js';
