import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePage } from '../../../src/load/upsert.js';
import { writePathOf } from '../../../src/load/write-path.js';
import type { WritePath } from '../../../src/load/write-types.js';
import { Secret } from '../../../src/secret.js';
import { openWarehouse, type Warehouse } from '../../../src/state/open.js';
import type { ChildTableSpec, Row, TableSpec } from '../../../src/streams/types.js';
import { freshPgliteDir } from '../../support/pglite-template.js';
import { createTestDatabase, type TestDatabase } from '../../support/services.js';

const table: TableSpec = {
  schema: 'sei',
  name: 'things',
  key: ['integration_id', 'thing_key'],
  columns: [
    { name: 'integration_id', type: 'text', notNull: true },
    { name: 'thing_key', type: 'text', notNull: true },
    { name: 'title', type: 'text' },
    { name: 'points', type: 'double precision' },
    { name: 'labels', type: 'text[]' },
    { name: 'updated_at', type: 'timestamptz' },
    { name: 'raw', type: 'jsonb', notNull: true },
  ],
};
const child: ChildTableSpec = {
  schema: 'sei',
  name: 'thing_steps',
  parentKey: ['integration_id', 'thing_key'],
  columns: [
    { name: 'integration_id', type: 'text', notNull: true },
    { name: 'thing_key', type: 'text', notNull: true },
    { name: 'ordinal', type: 'integer', notNull: true },
    { name: 'step', type: 'text' },
  ],
};

function thing(i: number, version = 0): { row: Row; steps: Row[] } {
  const raw = {
    integration_id: '1',
    key: `T-${i}`,
    title: `thing ${i} v${version}`,
    points: i % 5,
    labels: ['a', `l${i % 3}`],
  };
  return {
    row: {
      integration_id: '1',
      thing_key: `T-${i}`,
      title: raw.title,
      points: raw.points,
      labels: raw.labels,
      updated_at: new Date(1_700_000_000_000 + i * 1000),
      raw,
    },
    steps: Array.from({ length: (i % 3) + 1 }, (_, ordinal) => ({
      integration_id: '1',
      thing_key: `T-${i}`,
      ordinal,
      step: `step ${ordinal} v${version}`,
    })),
  };
}

function page(path: WritePath, items: { row: Row; steps: Row[] }[]) {
  return {
    path,
    table,
    children: [child],
    rows: items.map((item) => item.row),
    childRows: { thing_steps: items.flatMap((item) => item.steps) },
    runId: '00000000-0000-4000-8000-000000000001',
    syncedAt: new Date(),
  };
}

async function createTables(warehouse: Warehouse): Promise<void> {
  await sql`CREATE SCHEMA IF NOT EXISTS sei`.execute(warehouse.db);
  await sql`CREATE TABLE sei.things (
    integration_id text NOT NULL, thing_key text NOT NULL, title text, points double precision, labels text[],
    updated_at timestamptz, raw jsonb NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(), last_synced_at timestamptz NOT NULL DEFAULT now(),
    run_id uuid, deleted_at timestamptz, row_hash text NOT NULL, PRIMARY KEY (integration_id, thing_key))`.execute(
    warehouse.db,
  );
  await sql`CREATE TABLE sei.thing_steps (
    integration_id text NOT NULL, thing_key text NOT NULL, ordinal integer NOT NULL, step text, run_id uuid,
    PRIMARY KEY (integration_id, thing_key, ordinal))`.execute(warehouse.db);
}

const count = async (warehouse: Warehouse, query: string) =>
  Number((await sql<{ n: number }>`${sql.raw(query)}`.execute(warehouse.db)).rows[0]!.n);

describe.each(['postgres', 'pglite'] as const)('writePage on %s', (kind) => {
  let database: TestDatabase | undefined;
  let warehouse: Warehouse;
  let path: WritePath;

  beforeAll(async () => {
    if (kind === 'postgres') {
      database = await createTestDatabase();
      warehouse = await openWarehouse({ databaseUrl: new Secret(database.url) });
    } else {
      warehouse = await openWarehouse({ dataDir: await freshPgliteDir() });
    }
    await createTables(warehouse);
    path = await writePathOf(warehouse);
  });

  afterAll(async () => {
    await warehouse?.close();
    await database?.drop();
  });

  const items = Array.from({ length: 1000 }, (_, i) => thing(i));

  it('inserts a page and counts exactly', async () => {
    const result = await warehouse.db.transaction().execute((trx) => writePage(trx, page(path, items)));
    expect(result).toMatchObject({ inserted: 1000, updated: 0, unchanged: 0, distinct: 1000 });
    expect(await count(warehouse, 'SELECT count(*) AS n FROM sei.things')).toBe(1000);
    expect(await count(warehouse, 'SELECT count(*) AS n FROM sei.thing_steps')).toBe(
      items.reduce((n, item) => n + item.steps.length, 0),
    );
    const row = await sql<{
      labels: string[];
      points: number;
      raw: unknown;
    }>`SELECT labels, points, raw FROM sei.things WHERE thing_key = 'T-7'`.execute(warehouse.db);
    expect(row.rows[0]).toEqual({ labels: ['a', 'l1'], points: 2, raw: items[7]!.row.raw });
  });

  it('writes nothing when the same page comes again', async () => {
    const xmins = await sql<{
      x: string;
    }>`SELECT string_agg(xmin::text, ',' ORDER BY thing_key) AS x FROM sei.things`.execute(warehouse.db);
    const result = await warehouse.db.transaction().execute((trx) => writePage(trx, page(path, items)));
    expect(result).toMatchObject({ inserted: 0, updated: 0, unchanged: 1000 });
    const after = await sql<{
      x: string;
    }>`SELECT string_agg(xmin::text, ',' ORDER BY thing_key) AS x FROM sei.things`.execute(warehouse.db);
    // Same xmin on every row: not one tuple was rewritten.
    expect(after.rows[0]!.x).toBe(xmins.rows[0]!.x);
  });

  it('updates exactly the changed rows and replaces only their children', async () => {
    const changed = items.map((item, i) => (i % 100 === 0 ? thing(i, 1) : item));
    const result = await warehouse.db.transaction().execute((trx) => writePage(trx, page(path, changed)));
    expect(result).toMatchObject({ inserted: 0, updated: 10, unchanged: 990 });
    expect(await count(warehouse, `SELECT count(*) AS n FROM sei.thing_steps WHERE step LIKE '%v1'`)).toBe(
      changed.filter((_, i) => i % 100 === 0).reduce((n, item) => n + item.steps.length, 0),
    );
    expect(await count(warehouse, `SELECT count(*) AS n FROM sei.things WHERE title LIKE '%v1'`)).toBe(10);
  });

  it('keeps the last version of a key that appears twice on a page, with its children', async () => {
    const first = thing(2000, 1);
    const last = thing(2000, 2);
    last.steps = last.steps.slice(0, 1);
    first.steps.push({ ...first.steps[0]!, ordinal: 5, step: 'only in first' });
    const result = await warehouse.db
      .transaction()
      .execute((trx) => writePage(trx, page(path, [first, last])));
    expect(result).toMatchObject({ inserted: 1, updated: 0, unchanged: 0, distinct: 1 });
    const steps = await sql<{
      step: string;
    }>`SELECT step FROM sei.thing_steps WHERE thing_key = 'T-2000' ORDER BY ordinal`.execute(warehouse.db);
    expect(steps.rows.map((row) => row.step)).toEqual(['step 0 v2']);
  });

  it('undeletes a row that comes back and counts it as updated', async () => {
    await sql`UPDATE sei.things SET deleted_at = now() WHERE thing_key = 'T-5'`.execute(warehouse.db);
    const result = await warehouse.db.transaction().execute((trx) => writePage(trx, page(path, [items[5]!])));
    expect(result).toMatchObject({ inserted: 0, updated: 1, unchanged: 0 });
    expect(await count(warehouse, `SELECT count(*) AS n FROM sei.things WHERE deleted_at IS NOT NULL`)).toBe(
      0,
    );
  });
});
