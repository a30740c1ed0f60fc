/**
 * Opens the warehouse: a PostgreSQL server when `DATABASE_URL` is set, otherwise an embedded
 * PostgreSQL (PGlite, in-process WebAssembly) persisted under the data directory. Both speak the same
 * SQL, so migrations and queries are written once.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { DEFAULTS } from '../config.js';
import { CopyingClient } from '../load/copy-client.js';
import type { Secret } from '../secret.js';
import { STREAM_NAMES } from '../streams/types.js';
import { openEmbedded } from './embedded.js';
import type { Database } from './schema.js';

export type WarehouseKind = 'postgres' | 'pglite';

export interface Warehouse {
  readonly db: Kysely<Database>;
  /**
   * Where stream locks hold their session for a whole stream run: a pool of its own on PostgreSQL, so
   * that lock holders can never take every connection the page writers need (with one shared pool of
   * two, two streams holding their locks would wait forever for a connection to write with). The same
   * as `db` on the embedded database, which takes no session locks.
   */
  readonly lockDb: Kysely<Database>;
  readonly kind: WarehouseKind;
  /** Where the data lives, without credentials (for messages). */
  readonly location: string;
  close(): Promise<void>;
}

export interface WarehouseOptions {
  /** PostgreSQL URL; undefined opens the embedded database in `dataDir`. */
  databaseUrl?: Secret | undefined;
  /** @defaultValue DEFAULTS.dataDir ('./.sei-sync') */
  dataDir?: string;
  /**
   * Connections of the pg pool that reads and writes (stream locks have a pool of their own).
   * @defaultValue 20 (every stream at once, the big ones writing two pages each)
   */
  poolSize?: number;
  /**
   * What this process does, for the message another one gets while it holds the embedded data directory.
   * @defaultValue the process's arguments
   */
  command?: string;
}

import { serviceAddress } from '../service-errors.js';
import { waitingPool } from './pg-connect.js';

// int8 (counts, bigserial) as numbers: every value we store fits in 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `postgres://${parsed.host}${parsed.pathname}`;
  } catch {
    return 'postgres (unparseable URL)';
  }
}

function postgresKysely(connectionString: string, max: number): Kysely<Database> {
  // CopyingClient: the write path COPYs through Kysely (./copy-client.ts).
  const pool = new pg.Pool({ connectionString, max, application_name: 'sei-sync', Client: CopyingClient });
  // An idle client losing its server (a PostgreSQL restart) must not crash the process; the next
  // query fails instead and the stream retries.
  pool.on('error', () => {});
  // The pool listens only to idle clients. A checked-out client with no query in flight (the stream
  // lock's session, held for a whole walk) that loses its server emits 'error' with no listener, which
  // kills the process; with this one its next query fails instead and the pool drops it on release.
  pool.on('connect', (client) => client.on('error', () => {}));
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool: waitingPool(pool, serviceAddress(connectionString)) }),
  });
}

export async function openWarehouse(options: WarehouseOptions = {}): Promise<Warehouse> {
  if (options.databaseUrl !== undefined) {
    const url = options.databaseUrl.reveal();
    const db = postgresKysely(url, options.poolSize ?? 20);
    // One session per stream at most (a process never locks a stream twice); connections open lazily.
    const lockDb = postgresKysely(url, STREAM_NAMES.length);
    return {
      db,
      lockDb,
      kind: 'postgres',
      location: describeDatabaseUrl(url),
      close: async () => {
        await Promise.all([db.destroy(), lockDb.destroy()]);
      },
    };
  }
  const command = options.command ?? process.argv.slice(2).join(' ').slice(0, 80);
  const embedded = await openEmbedded(options.dataDir ?? DEFAULTS.dataDir, command);
  return {
    db: embedded.db,
    lockDb: embedded.db,
    kind: 'pglite',
    location: `embedded PostgreSQL in ${embedded.dir}`,
    close: () => embedded.close(),
  };
}
