/**
 * Per-file isolation for tests that touch PostgreSQL or Redis: each call makes a fresh database (empty,
 * so migrations create `sei` and `sei_sync` from scratch, or a copy of the run's migrated template) or a
 * fresh BullMQ prefix, and cleans up after.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

export interface TestDatabase {
  url: string;
  name: string;
  drop: () => Promise<void>;
}

function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * Creates a database on the test server, empty or (`migrated`) a copy of the run's migrated template
 * (support/pg-template.ts); `drop()` removes it (forcing off leftover sessions).
 */
export async function createTestDatabase(
  prefix = 'sei_test',
  options: { migrated?: boolean } = {},
): Promise<TestDatabase> {
  const adminUrl = inject('databaseUrl');
  const name = uniqueName(prefix);
  const template = options.migrated ? ` TEMPLATE "${inject('migratedTemplateDatabase')}"` : '';
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"${template}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(adminUrl, name),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        // Sessions a pool is still closing go on their own within moments; forcing them off at once
        // raises "terminating connection" on a client that no longer listens for errors.
        for (let tries = 0; tries < 40; tries++) {
          const { rows } = await client.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
            [name],
          );
          if ((rows[0]?.n ?? 0) === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** The rows of one query on the database at `url`, on a connection of its own. */
export async function queryRows<T>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

export function testRedisUrl(): string {
  return inject('redisUrl');
}

/** A BullMQ prefix no other test file uses. */
export function testQueuePrefix(): string {
  return uniqueName('sei-test');
}
