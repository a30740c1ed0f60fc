/**
 * Which way a warehouse's pages travel (./write-types.ts `WritePath`): binary COPY through a staging
 * table on a PostgreSQL server whose role may create temporary tables, the portable jsonb parameter
 * otherwise (the embedded database; a locked-down role without the TEMPORARY privilege).
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';
import type { Warehouse } from './db.js';
import { copyWritePath } from './write-path-copy.js';
import { jsonbWritePath } from './write-path-jsonb.js';
import type { WritePath } from './write-types.js';

const chosen = new WeakMap<Kysely<Database>, Promise<WritePath>>();

async function probe(db: Kysely<Database>): Promise<WritePath> {
  const result = await sql<{ temp: boolean }>`
    SELECT has_database_privilege(current_database(), 'TEMPORARY') AS temp`.execute(db);
  return result.rows[0]?.temp === true ? copyWritePath : jsonbWritePath;
}

/** The write path of `warehouse`, asked of the server once per warehouse (a failed probe is asked again). */
export function writePathOf(warehouse: Pick<Warehouse, 'kind' | 'db'>): Promise<WritePath> {
  if (warehouse.kind !== 'postgres') return Promise.resolve(jsonbWritePath);
  let path = chosen.get(warehouse.db);
  if (path === undefined) {
    path = probe(warehouse.db);
    chosen.set(warehouse.db, path);
    path.catch(() => chosen.delete(warehouse.db));
  }
  return path;
}
