/**
 * Schema migrations through Kysely's Migrator with the static list in migrations/index.ts.
 *
 * Two processes may migrate at once (a deployment starting several workers): on PostgreSQL the whole
 * run holds an advisory lock, so the second waits and then finds nothing to do.
 */

import { type Kysely, type MigrationResult, Migrator, sql } from 'kysely';
import { MIGRATIONS } from '../../migrations/index.js';
import { SYNC_ERROR_CODES } from '../errors.js';
import type { Warehouse } from './open.js';
import type { Database } from './schema.js';

/** Kysely's bookkeeping tables live beside ours. */
const MIGRATION_SCHEMA = 'sei_sync';
/** Arbitrary but fixed: the advisory lock key of "sei-sync migrations". */
const MIGRATION_LOCK_KEY = 0x5e15_0001;

export class MigrationError extends Error {
  readonly code = SYNC_ERROR_CODES.migration;
}

export class SchemaMissingError extends Error {
  readonly code = SYNC_ERROR_CODES.schemaMissing;
  constructor(pending: number, location: string) {
    super(
      `database is not migrated (${pending} migration${pending === 1 ? '' : 's'} pending in ${location}); run \`sei-sync migrate\``,
    );
    this.name = 'SchemaMissingError';
  }
}

/**
 * The database holds migrations this code does not know: a newer sei-sync migrated it. An older
 * process must not write there, since a newer schema may mean rows written by other rules (migration
 * 017: a walk's inserted rows have no walk keys, and an older deletion step would mark them deleted).
 */
export class SchemaNewerError extends Error {
  readonly code = SYNC_ERROR_CODES.schemaNewer;
  /** `location`: where the database is, when known (a transaction does not say). */
  constructor(unknown: readonly string[], location?: string) {
    super(
      `database${location === undefined ? '' : ` in ${location}`} was migrated by a newer sei-sync (${unknown.join(', ')}); run that version here and stop older workers`,
    );
    this.name = 'SchemaNewerError';
  }
}

function migrator(db: Kysely<unknown>): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...MIGRATIONS }) },
    migrationTableSchema: MIGRATION_SCHEMA,
  });
}

export interface MigrateOutcome {
  /** Names of the migrations this call applied (empty when already up to date). */
  applied: string[];
  results: MigrationResult[];
}

export async function migrateToLatest(warehouse: Warehouse): Promise<MigrateOutcome> {
  const run = async (db: Kysely<unknown>) => {
    // The schema must exist before the Migrator creates its tables in it; IF NOT EXISTS alone races.
    await sql`CREATE SCHEMA IF NOT EXISTS sei_sync`.execute(db);
    return migrator(db).migrateToLatest();
  };
  const outcome =
    warehouse.kind === 'postgres'
      ? await warehouse.db.connection().execute(async (connection) => {
          await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(connection);
          try {
            return await run(connection as Kysely<unknown>);
          } finally {
            await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(connection);
          }
        })
      : await run(warehouse.db as Kysely<unknown>);
  const results = outcome.results ?? [];
  if (outcome.error) {
    const failed = results.find((result) => result.status === 'Error')?.migrationName ?? 'unknown';
    const reason = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
    throw new MigrationError(`migration ${failed} failed: ${reason.split('\n')[0]}`);
  }
  return { applied: results.filter((r) => r.status === 'Success').map((r) => r.migrationName), results };
}

/** Whether any migration ever ran here (Kysely's bookkeeping table exists). */
async function hasMigrationTable(db: Kysely<Database>): Promise<boolean> {
  const exists = await sql<{ present: boolean }>`
    SELECT to_regclass('sei_sync.kysely_migration') IS NOT NULL AS present`.execute(db);
  return exists.rows[0]?.present === true;
}

/** Names of migrations not yet applied. */
export async function pendingMigrations(warehouse: Warehouse): Promise<string[]> {
  if (!(await hasMigrationTable(warehouse.db))) return Object.keys(MIGRATIONS);
  const migrations = await migrator(warehouse.db as Kysely<unknown>).getMigrations();
  return migrations
    .filter((migration) => migration.executedAt === undefined)
    .map((migration) => migration.name);
}

/** Names of applied migrations this code does not know (applied by a newer sei-sync). */
export async function unknownMigrations(db: Kysely<Database>): Promise<string[]> {
  if (!(await hasMigrationTable(db))) return [];
  const applied = await sql<{ name: string }>`
    SELECT name FROM sei_sync.kysely_migration ORDER BY name`.execute(db);
  return applied.rows.map((row) => row.name).filter((name) => !(name in MIGRATIONS));
}

/**
 * Throws `SchemaNewerError` when a newer sei-sync has migrated the database since this process
 * checked at start: a worker left running across an upgrade must not apply its rules to rows the
 * newer version wrote by other ones (the deletion step above all, which runs it first). Two small reads.
 */
export async function assertSchemaNotNewer(db: Kysely<Database>): Promise<void> {
  const unknown = await unknownMigrations(db);
  if (unknown.length > 0) throw new SchemaNewerError(unknown);
}

/**
 * Throws `SchemaNewerError` when a newer sei-sync migrated the database, `SchemaMissingError` unless
 * every migration has been applied.
 */
export async function assertMigrated(warehouse: Warehouse): Promise<void> {
  const unknown = await unknownMigrations(warehouse.db);
  if (unknown.length > 0) throw new SchemaNewerError(unknown, warehouse.location);
  const pending = await pendingMigrations(warehouse);
  if (pending.length > 0) throw new SchemaMissingError(pending.length, warehouse.location);
}
