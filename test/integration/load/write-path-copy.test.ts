/**
 * The COPY write path on PostgreSQL: rows of new keys are COPYed straight into the entity table, the
 * others merge through the session's staging table (also while a page is bisected, each part merging
 * only its own rows), unchanged rows are not sent, rows whose hash is of another kind are compared by
 * content, a key another writer inserts meanwhile is merged, and a role that may not create temporary
 * tables gets the portable path.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { writeIsolatingBadItems } from '../../../src/load/isolate-bad-records.js';
import { type WritePageResult, writePage } from '../../../src/load/upsert.js';
import { writePathOf } from '../../../src/load/write-path.js';
import type { WritePath } from '../../../src/load/write-types.js';
import { Secret } from '../../../src/secret.js';
import { openWarehouse, type Warehouse } from '../../../src/state/open.js';
import { STREAMS } from '../../../src/streams/registry.js';
import type { Row } from '../../../src/streams/types.js';
import { createTestDatabase, type TestDatabase } from '../../support/services.js';

const table = STREAMS.org_units.table;
const RUN_ID = '00000000-0000-4000-8000-000000000009';

function unit(i: number, version = 0): Row {
  const raw = { id: `u-${i}`, name: `unit ${i} v${version}`, path: `/org/${i}`, version: String(version) };
  return { id: raw.id, name: raw.name, path: raw.path, version: raw.version, raw };
}

/** A page written the way page commits write it: parts PostgreSQL refuses are isolated by bisecting. */
function writeIsolating(warehouse: Warehouse, path: WritePath, rows: readonly Row[]) {
  return writeIsolatingBadItems(warehouse.db, rows, {
    write: (trx, part) =>
      writePage(trx, {
        table,
        children: [],
        rows: part,
        childRows: {},
        runId: RUN_ID,
        syncedAt: new Date(),
        path,
      }),
    finish: async () => {},
  });
}

describe('the COPY write path', () => {
  let database: TestDatabase;
  let warehouse: Warehouse;
  let path: WritePath;

  beforeAll(async () => {
    database = await createTestDatabase('sei_write_path', { migrated: true });
    warehouse = await openWarehouse({ databaseUrl: new Secret(database.url), poolSize: 2 });
    path = await writePathOf(warehouse);
  });
  afterAll(async () => {
    await warehouse?.close();
    await database?.drop();
  });

  const write = (rows: readonly Row[]): Promise<WritePageResult> =>
    warehouse.db.transaction().execute((trx) =>
      writePage(trx, {
        table,
        children: [],
        rows,
        childRows: {},
        runId: RUN_ID,
        syncedAt: new Date(),
        path,
      }),
    );
  const stagingTables = async () =>
    (
      await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_class
        WHERE relpersistence = 't' AND relname LIKE 'sei_sync_stage_org_units_%'`.execute(warehouse.db)
    ).rows[0]!.n;
  const xmins = async () =>
    (
      await sql<{
        x: string;
      }>`SELECT string_agg(xmin::text || row_hash, ',' ORDER BY id) AS x FROM sei.org_units`.execute(
        warehouse.db,
      )
    ).rows[0]!.x;

  it('is the COPY path, with lz4 where the server has it', () => {
    expect(path.name).toBe('copy');
  });

  it('inserts new keys straight into the entity table, stamped, with a 16-digit hash', async () => {
    const syncedAt = new Date('2026-12-01T10:00:00.123Z');
    const result = await warehouse.db.transaction().execute((trx) =>
      writePage(trx, {
        table,
        children: [],
        rows: Array.from({ length: 300 }, (_, i) => unit(i)),
        childRows: {},
        runId: RUN_ID,
        syncedAt,
        path,
      }),
    );
    expect(result).toMatchObject({ inserted: 300, updated: 0, unchanged: 0 });
    expect(result.changed[0]).toEqual({ key: { id: 'u-0' }, inserted: true });
    expect(await stagingTables()).toBe(0);
    const stored = await sql<{ h: string; run: string; synced: string; seen: number }>`
      SELECT length(row_hash)::text AS h, run_id::text AS run, last_synced_at::text AS synced,
        count(*) FILTER (WHERE first_seen_at IS NOT NULL)::int AS seen
      FROM sei.org_units GROUP BY 1, 2, 3`.execute(warehouse.db);
    expect(stored.rows).toEqual([{ h: '16', run: RUN_ID, synced: '2026-12-01 10:00:00.123+00', seen: 300 }]);
  });

  it('merges the rows of stored keys through the staging table, beside new ones COPYed straight in', async () => {
    const extra = (i: number, version = 0) => unit(1000 + i, version);
    expect(await write([extra(0), extra(1)])).toMatchObject({ inserted: 2 });
    expect(await stagingTables()).toBe(0);
    expect(await write([extra(0, 1), extra(1), extra(2)])).toMatchObject({
      inserted: 1,
      updated: 1,
      unchanged: 1,
    });
    expect(await stagingTables()).toBe(1);
    const names = await sql<{ name: string }>`
      SELECT name FROM sei.org_units WHERE id LIKE 'u-100_' ORDER BY id`.execute(warehouse.db);
    expect(names.rows.map((row) => row.name)).toEqual(['unit 1000 v1', 'unit 1001 v0', 'unit 1002 v0']);
    await sql`DELETE FROM sei.org_units WHERE id LIKE 'u-100_'`.execute(warehouse.db);
  });

  it('sends nothing for unchanged rows, locks none, and merges the changed ones', async () => {
    const before = await xmins();
    expect(await write(Array.from({ length: 300 }, (_, i) => unit(i)))).toMatchObject({ unchanged: 300 });
    // Not even a row lock: a locked row would carry this transaction's id in xmax.
    const locked = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM sei.org_units WHERE xmax <> 0`.execute(warehouse.db);
    expect(locked.rows[0]?.n).toBe(0);
    expect(await xmins()).toBe(before);
    const result = await write(Array.from({ length: 300 }, (_, i) => unit(i, i % 50 === 0 ? 1 : 0)));
    expect(result).toMatchObject({ inserted: 0, updated: 6, unchanged: 294 });
  });

  it('compares by content when the hash is of another kind or the keys come in another order', async () => {
    // Rows as sei-sync stored them before migration 009: md5 of the jsonb text.
    await sql`UPDATE sei.org_units SET row_hash = md5(raw::text)`.execute(warehouse.db);
    const before = await xmins();
    const reordered = Array.from({ length: 300 }, (_, i) => {
      const row = unit(i, i % 50 === 0 ? 1 : 0);
      const raw = row.raw as Record<string, unknown>;
      return { ...row, raw: Object.fromEntries(Object.entries(raw).reverse()) };
    });
    expect(await write(reordered)).toMatchObject({ inserted: 0, updated: 0, unchanged: 300 });
    expect(await xmins()).toBe(before);
    // A real change is written, with a hash of the new kind; the others keep theirs.
    const changed = reordered.map((row, i) => (i === 7 ? unit(7, 2) : row));
    expect(await write(changed)).toMatchObject({ updated: 1, unchanged: 299 });
    const kinds = await sql<{ len: number; n: number }>`
      SELECT length(row_hash) AS len, count(*)::int AS n FROM sei.org_units GROUP BY 1 ORDER BY 1`.execute(
      warehouse.db,
    );
    expect(kinds.rows).toEqual([
      { len: 16, n: 1 },
      { len: 32, n: 299 },
    ]);
  });

  it('undeletes a deleted row whose record did not change', async () => {
    await sql`UPDATE sei.org_units SET deleted_at = now() WHERE id = 'u-3'`.execute(warehouse.db);
    const rows = Array.from({ length: 300 }, (_, i) => unit(i, i % 50 === 0 ? 1 : i === 7 ? 2 : 0));
    expect(await write(rows)).toMatchObject({ updated: 1, unchanged: 299 });
  });

  it('bisects a page of changed rows through the staging table, each part merging only its own rows', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => unit(i, 3));
    // A NOT NULL violation the binary encoding cannot see: PostgreSQL refuses it in the merge.
    const poisoned = rows.map((row, i) => (i === 29 ? { ...row, raw: null } : row));
    const outcome = await writeIsolating(warehouse, path, poisoned);
    expect(outcome.bad.map(({ item, reason }) => [item.id, reason.slice(0, 5)])).toEqual([['u-29', '23502']]);
    const written = outcome.written.reduce((sum, part) => sum + part.updated + part.inserted, 0);
    expect(written).toBe(39);
    const names = await sql<{ id: string; name: string }>`
      SELECT id, name FROM sei.org_units WHERE id = ANY (${rows.map((row) => row.id)}) ORDER BY id`.execute(
      warehouse.db,
    );
    for (const row of names.rows)
      expect(row.name).toBe(row.id === 'u-29' ? 'unit 29 v0' : `unit ${row.id.slice(2)} v3`);
  });
});

describe('a key another writer inserts between the probe and the merge', () => {
  let database: TestDatabase;
  let warehouse: Warehouse;

  beforeAll(async () => {
    database = await createTestDatabase('sei_write_path_race', { migrated: true });
    warehouse = await openWarehouse({ databaseUrl: new Secret(database.url), poolSize: 3 });
  });
  afterAll(async () => {
    await warehouse?.close();
    await database?.drop();
  });

  it('waits for that writer, and merges the rows its COPY of new keys was refused', async () => {
    const path = await writePathOf(warehouse);
    const other = await warehouse.db.connection().execute(async (connection) => {
      await sql`BEGIN`.execute(connection);
      await sql`INSERT INTO sei.org_units (id, name, raw, row_hash) VALUES ('u-5', 'theirs', '{}'::jsonb, 'x')`.execute(
        connection,
      );
      // Our page probes now (the row is not committed, so not seen); its COPY of new keys waits for this
      // one, is refused by the unique index, and the three rows are merged instead.
      const ours = writeIsolating(warehouse, path, [unit(4), unit(5), unit(6)]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await sql`COMMIT`.execute(connection);
      return ours;
    });
    expect(other.bad).toEqual([]);
    const counts = other.written.reduce(
      (sum, part) => ({ inserted: sum.inserted + part.inserted, updated: sum.updated + part.updated }),
      { inserted: 0, updated: 0 },
    );
    expect(counts).toEqual({ inserted: 2, updated: 1 });
    const names = await sql<{ name: string }>`SELECT name FROM sei.org_units ORDER BY id`.execute(
      warehouse.db,
    );
    expect(names.rows.map((row) => row.name)).toEqual(['unit 4 v0', 'unit 5 v0', 'unit 6 v0']);
  });
});

describe('a role without the TEMPORARY privilege', () => {
  let database: TestDatabase;
  const role = `sei_no_temp_${randomBytes(3).toString('hex')}`;
  const password = randomBytes(9).toString('hex');

  beforeAll(async () => {
    database = await createTestDatabase('sei_write_path_role');
    const admin = await openWarehouse({ databaseUrl: new Secret(database.url), poolSize: 1 });
    try {
      await sql.raw(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`).execute(admin.db);
      await sql.raw(`REVOKE TEMPORARY ON DATABASE "${database.name}" FROM PUBLIC`).execute(admin.db);
    } finally {
      await admin.close();
    }
  });
  afterAll(async () => {
    await database?.drop();
    const admin = await openWarehouse({ databaseUrl: new Secret(inject('databaseUrl')), poolSize: 1 });
    try {
      await sql.raw(`DROP ROLE IF EXISTS ${role}`).execute(admin.db);
    } finally {
      await admin.close();
    }
  });

  it('gets the portable path', async () => {
    const url = new URL(database.url);
    url.username = role;
    url.password = password;
    const warehouse = await openWarehouse({ databaseUrl: new Secret(url.toString()), poolSize: 1 });
    try {
      expect((await writePathOf(warehouse)).name).toBe('jsonb');
    } finally {
      await warehouse.close();
    }
  });
});
