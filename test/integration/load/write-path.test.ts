/**
 * Normalized rows of every stream go through both of the warehouse's write paths (binary COPY through
 * a staging table, and jsonb_to_recordset) into the migrated tables and come back with the same
 * values: instants (epoch milliseconds in the rows) as timestamptz, lists as text[], objects as jsonb, and the Jira histories as child rows.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePage } from '../../../src/load/upsert.js';
import { createCopyWritePath } from '../../../src/load/write-path-copy.js';
import { jsonbWritePath } from '../../../src/load/write-path-jsonb.js';
import type { WritePath } from '../../../src/load/write-types.js';
import { normalizeRecord } from '../../../src/normalize/record.js';
import { Secret } from '../../../src/secret.js';
import { openWarehouse, type Warehouse } from '../../../src/state/open.js';
import { STREAMS } from '../../../src/streams/registry.js';
import type { Row, StreamDefinition } from '../../../src/streams/types.js';
import { createTestDatabase, type TestDatabase } from '../../support/services.js';
import { JIRA_SAMPLE, REALISTIC_RECORDS } from '../../unit/streams/records.js';

const RUN_ID = '00000000-0000-4000-8000-000000000001';

function normalizeAll(stream: StreamDefinition, records: readonly Record<string, unknown>[]) {
  const rows: Row[] = [];
  const childRows: Record<string, Row[]> = {};
  for (const record of records) {
    const result = normalizeRecord(stream, record);
    if (!result.ok) throw new Error(result.reason);
    rows.push(result.row);
    for (const [name, children] of Object.entries(result.children)) {
      childRows[name] = [...(childRows[name] ?? []), ...children];
    }
  }
  return { rows, childRows };
}

async function write(
  warehouse: Warehouse,
  path: WritePath,
  stream: StreamDefinition,
  records: readonly Record<string, unknown>[],
) {
  const { rows, childRows } = normalizeAll(stream, records);
  const result = await warehouse.db.transaction().execute((trx) =>
    writePage(trx, {
      table: stream.table,
      children: stream.children,
      rows,
      childRows,
      runId: RUN_ID,
      syncedAt: new Date('2025-01-01T00:00:00Z'),
      path,
    }),
  );
  return { rows, childRows, result };
}

async function selectAll(
  warehouse: Warehouse,
  table: string,
  columns: readonly string[],
  orderBy: readonly string[],
) {
  const { rows } = await sql<Row>`SELECT ${sql.join(columns.map((c) => sql.ref(c)))} FROM ${sql.table(
    `sei.${table}`,
  )} ORDER BY ${sql.join(orderBy.map((c) => sql.ref(c)))}`.execute(warehouse.db);
  // Instants come back as Dates; a normalized row holds them as epoch milliseconds (`EpochMs`).
  return rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([column, value]) => [column, value instanceof Date ? value.getTime() : value]),
    ),
  );
}

describe.each([createCopyWritePath({ compression: 'pglz' }), jsonbWritePath])(
  'normalized rows through the $name write path',
  (path) => {
    let database: TestDatabase;
    let warehouse: Warehouse;

    beforeAll(async () => {
      database = await createTestDatabase('sei_streams_write', { migrated: true });
      warehouse = await openWarehouse({ databaseUrl: new Secret(database.url), poolSize: 2 });
    });

    afterAll(async () => {
      await warehouse?.close();
      await database?.drop();
    });

    it.each(Object.values(STREAMS).map((s) => [s.name, s] as const))(
      '%s: a realistic record is stored with the values the normalizer produced',
      async (name, stream) => {
        const { rows, result } = await write(warehouse, path, stream, [REALISTIC_RECORDS[name]()]);
        expect(result.inserted).toBe(1);
        const columns = stream.table.columns.map((column) => column.name);
        expect(await selectAll(warehouse, stream.table.name, columns, stream.table.key)).toEqual(rows);
      },
    );

    it('jira_issues: the 100 real records and their histories are stored as normalized', async () => {
      const stream = STREAMS.jira_issues;
      const { rows, childRows, result } = await write(warehouse, path, stream, JIRA_SAMPLE);
      expect(result.inserted + result.updated + result.unchanged).toBe(100);
      const stored = await selectAll(
        warehouse,
        stream.table.name,
        stream.table.columns.map((column) => column.name),
        stream.table.key,
      );
      const byKey = (row: Row) => `${row.integration_id}\u0000${row.issue_key}`;
      const sortRows = (list: Row[]) => [...list].sort((a, b) => (byKey(a) < byKey(b) ? -1 : 1));
      expect(sortRows(stored)).toEqual(sortRows(rows));
      for (const child of stream.children) {
        const storedChildren = await selectAll(
          warehouse,
          child.name,
          child.columns.map((column) => column.name),
          [...child.parentKey, 'ordinal'],
        );
        const expected = childRows[child.name] ?? [];
        expect(storedChildren).toHaveLength(expected.length);
        const sortChildren = (list: Row[]) =>
          [...list].sort((a, b) => {
            const ka = `${byKey(a)}\u0000${String(a.ordinal).padStart(6, '0')}`;
            const kb = `${byKey(b)}\u0000${String(b.ordinal).padStart(6, '0')}`;
            return ka < kb ? -1 : 1;
          });
        expect(sortChildren(storedChildren)).toEqual(sortChildren(expected));
      }
    });
  },
);
