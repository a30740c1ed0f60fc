/**
 * The keys a deleting walk leaves out (the rows its pages inserted) and the rows its deletion step
 * keeps (first seen since the walk's read began) follow one comparison against the checkpoint's
 * `walk_pass_started_at`, made by PostgreSQL: whatever the clock did, a row whose key was left out is
 * never marked deleted, and a row inserted by an earlier read of the walk is no longer protected.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markMissingAsDeleted, recordSeenKeys } from '../../../src/load/deletes.js';
import type { Executor } from '../../../src/load/upsert.js';
import { beginWalk, setWalkPass, UNSCOPED } from '../../../src/state/checkpoints.js';
import { SchemaNewerError } from '../../../src/state/migrate.js';
import { keyText } from '../../../src/state/sql-text.js';
import { jiraIssuesStream } from '../../../src/streams/jira-issues.js';
import { readAgainFromStart } from '../../../src/sync/walk-finisher.js';
import { openTestWarehouse, type TestWarehouse, WAREHOUSE_KINDS } from '../../support/warehouses.js';

const table = jiraIssuesStream.table;

describe.each(WAREHOUSE_KINDS)('keys of rows a walk inserted, on %s', (kind) => {
  let test: TestWarehouse;
  beforeAll(async () => {
    test = await openTestWarehouse(kind);
  });
  afterAll(async () => {
    await test?.close();
  });

  /** A walk of its own integration (each test one), begun now; the rows `stored` exist before it. */
  async function walkOver(stored: readonly string[]) {
    const { db } = test.warehouse;
    const integration = randomUUID();
    const walkId = randomUUID();
    for (const issue of stored) await insertRow(db, integration, issue);
    await beginWalk(db, `stream-${integration}`, {
      walkId,
      runId: null,
      windowStart: null,
      windowEnd: new Date(),
      decidesDeletions: true,
      pass: 0,
      scope: UNSCOPED,
    });
    /** One page: inserts `inserted`, then notes every key of `rows` as seen (as commitPage does). */
    const page = (rows: readonly string[], inserted: readonly string[]) =>
      db.transaction().execute(async (trx) => {
        for (const issue of inserted) await insertRow(trx, integration, issue);
        await recordSeenKeys(
          trx,
          walkId,
          rows.map((issue) => keyText({ integration_id: integration, issue_key: issue }, table.key)),
          new Set(inserted.map((issue) => `${integration}\u001f${issue}`)),
        );
      });
    const noted = async () =>
      (
        await sql<{ key: string }>`
          SELECT split_part(key, chr(31), 2) AS key FROM sei_sync.walk_keys
          WHERE walk_id = ${walkId}::uuid ORDER BY key`.execute(db)
      ).rows.map((row) => row.key);
    const finish = async () =>
      (
        await db.transaction().execute((trx) =>
          markMissingAsDeleted(trx, walkId, table, new Date(), {
            integrations: { column: 'integration_id', ids: [integration] },
          }),
        )
      ).keys
        .map((key) => key.issue_key)
        .sort();
    const setStart = (start: ReturnType<typeof sql>) =>
      sql`UPDATE sei_sync.checkpoints SET walk_pass_started_at = ${start}
          WHERE walk_id = ${walkId}::uuid`.execute(db);
    return { walkId, integration, stream: `stream-${integration}`, page, noted, finish, setStart };
  }

  it('leaves out the keys of inserted rows, and keeps those rows', async () => {
    const walk = await walkOver(['OLD-1', 'OLD-2']);
    await walk.page(['OLD-1', 'NEW-1'], ['NEW-1']);
    expect(await walk.noted()).toEqual(['OLD-1']);
    expect(await walk.finish()).toEqual(['OLD-2']);
  });

  it('deletes a row first seen at the very instant the walk started (a coarse clock, as PGlite’s)', async () => {
    const walk = await walkOver(['OLD-1', 'OLD-2']);
    await walk.setStart(
      sql`(SELECT max(first_seen_at) FROM sei.jira_issues WHERE integration_id = ${walk.integration})`,
    );
    await walk.page(['OLD-1', 'NEW-1'], ['NEW-1']);
    expect(await walk.finish()).toEqual(['OLD-2']);
  });

  it('refuses to delete anything once a newer sei-sync migrated the database', async () => {
    const walk = await walkOver(['OLD-1', 'OLD-2']);
    await walk.page(['OLD-1'], []);
    const { db } = test.warehouse;
    await sql`INSERT INTO sei_sync.kysely_migration (name, timestamp) VALUES ('999_from_the_future', now()::text)`.execute(
      db,
    );
    try {
      await expect(walk.finish()).rejects.toThrow(SchemaNewerError);
      expect(await walk.noted()).toEqual(['OLD-1']);
    } finally {
      await sql`DELETE FROM sei_sync.kysely_migration WHERE name = '999_from_the_future'`.execute(db);
    }
    expect(await walk.finish()).toEqual(['OLD-2']);
  });

  it('notes them when the clock went back behind the walk start (and still deletes only the unseen)', async () => {
    const walk = await walkOver(['OLD-1', 'OLD-2']);
    await walk.setStart(sql`now() + interval '1 hour'`);
    await walk.page(['OLD-1', 'NEW-1'], ['NEW-1']);
    expect(await walk.noted()).toEqual(['NEW-1', 'OLD-1']);
    expect(await walk.finish()).toEqual(['OLD-2']);
  });

  it('notes every key of a walk planned before migration 017 (no start)', async () => {
    const walk = await walkOver(['OLD-1', 'OLD-2']);
    await walk.setStart(sql`NULL`);
    await walk.page(['OLD-1', 'NEW-1'], ['NEW-1']);
    expect(await walk.noted()).toEqual(['NEW-1', 'OLD-1']);
    expect(await walk.finish()).toEqual(['OLD-2']);
  });

  it('a read of the walk again from its start no longer keeps what an earlier read inserted', async () => {
    const walk = await walkOver(['OLD-1', 'OLD-2']);
    await walk.page(['OLD-1', 'NEW-1', 'NEW-2'], ['NEW-1', 'NEW-2']);
    // The snapshot switched: the walk is read again (walk-finisher.ts), and no longer lists NEW-2.
    await test.warehouse.db.transaction().execute(async (trx) => {
      await readAgainFromStart(trx, walk.walkId, 'asc');
      await setWalkPass(trx, walk.stream, 1);
    });
    await walk.page(['OLD-1', 'NEW-1'], []);
    expect(await walk.finish()).toEqual(['NEW-2', 'OLD-2']);
  });
});

async function insertRow(db: Executor, integration: string, issue: string): Promise<void> {
  await sql`INSERT INTO sei.jira_issues (integration_id, issue_key, raw, row_hash)
            VALUES (${integration}, ${issue}, '{}', 'h')`.execute(db);
}
