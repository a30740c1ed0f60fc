/**
 * A warehouse connection that loses its server while checked out of the pool and idle (the stream
 * lock's session is held like that for a whole walk) must fail its next query, not kill the process
 * with an unhandled 'error' event. Vitest fails the run on such an uncaught error, so this test fails
 * without the guard in openWarehouse.
 */
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Secret } from '../../../src/secret.js';
import { openWarehouse, type Warehouse } from '../../../src/state/open.js';
import { createTestDatabase, type TestDatabase } from '../../support/services.js';
import { waitFor } from '../jobs/memory-engine.js';

let database: TestDatabase;
let warehouse: Warehouse;
let admin: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase('sei_conn_loss');
  warehouse = await openWarehouse({ databaseUrl: new Secret(database.url) });
  admin = new pg.Client({ connectionString: inject('databaseUrl') });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await warehouse?.close();
  await database?.drop();
});

describe('a checked-out connection whose server session ends', () => {
  it('fails its next query instead of crashing, and the pool carries on with a new session', async () => {
    await warehouse.db.connection().execute(async (connection) => {
      const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(connection);
      const pid = rows[0]!.pid;
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      // No query in flight on this session while it ends: the error can only surface as an event.
      await waitFor(
        async () =>
          (await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount === 0,
        10_000,
        'the session to end',
      );
      await admin.query('SELECT 1');
      await expect(sql`SELECT 1`.execute(connection)).rejects.toThrow();
    });
    const after = await sql<{ one: number }>`SELECT 1 AS one`.execute(warehouse.db);
    expect(after.rows).toEqual([{ one: 1 }]);
  });
});
