/**
 * Which way a warehouse's pages travel (./write-types.ts `WritePath`): binary COPY on a PostgreSQL
 * server whose role may create temporary tables (the staging tables), with lz4 compression of jsonb
 * when the server was built with it; the portable jsonb parameter otherwise (the embedded database,
 * or a locked-down role without the TEMPORARY privilege).
 */
import { type Kysely, sql } from 'kysely';
import type { Warehouse } from '../state/open.js';
import type { Database } from '../state/schema.js';
import { createCopyWritePath } from './write-path-copy.js';
import { jsonbWritePath } from './write-path-jsonb.js';
import type { WritePath } from './write-types.js';

const chosen = new WeakMap<Kysely<Database>, Promise<WritePath>>();

async function probe(db: Kysely<Database>): Promise<WritePath> {
  const result = await sql<{ temp: boolean; lz4: boolean }>`
    SELECT has_database_privilege(current_database(), 'TEMPORARY') AS temp,
      EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) AS lz4`.execute(
    db,
  );
  const server = result.rows[0];
  if (server?.temp !== true) return jsonbWritePath;
  return createCopyWritePath({ compression: server.lz4 ? 'lz4' : 'pglz' });
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
