/**
 * A migrated database on the test server, made once per run by global-setup.ts, that test files copy
 * (`createTestDatabase(prefix, { migrated: true })`): `CREATE DATABASE ... TEMPLATE` takes about half
 * of what running every migration on a new database does, and most files want a migrated one.
 * Migrating a new database stays covered where migrations are the subject (test/integration/streams,
 * history and verify migration tests, `sei-sync migrate` in test/integration/commands/migrate.test.ts).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Secret } from '../../src/secret.js';
import { migrateToLatest } from '../../src/state/migrate.js';
import { openWarehouse } from '../../src/state/open.js';

export interface MigratedTemplate {
  name: string;
  drop(): Promise<void>;
}

async function admin<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates and migrates the run's template database; nothing may stay connected to it after. */
export async function createMigratedTemplate(adminUrl: string): Promise<MigratedTemplate> {
  const name = `sei_test_template_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const warehouse = await openWarehouse({ databaseUrl: new Secret(url.toString()) });
  try {
    await migrateToLatest(warehouse);
  } finally {
    await warehouse.close();
  }
  return {
    name,
    drop: async () => {
      await admin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
