/**
 * Deletion marking right after a walk's bulk writes, on statistics that say nothing about them (what a
 * resume after a PostgreSQL restart meets): the anti join against sei_sync.walk_keys must not become a
 * nested loop that reads every walk key for every row. The plan is checked, not the clock.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainMarkMissing, markMissingAsDeleted } from '../../../src/load/deletes.js';
import { Secret } from '../../../src/secret.js';
import { openWarehouse, type Warehouse } from '../../../src/state/open.js';
import { jiraIssuesStream } from '../../../src/streams/jira-issues.js';
import { createTestDatabase, type TestDatabase } from '../../support/services.js';

const ROWS = 200_000;
const UNSEEN = 7;

interface PlanNode {
  'Node Type': string;
  'Join Type'?: string;
  'Plan Rows': number;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

describe('deletion marking on stale statistics', () => {
  let database: TestDatabase;
  let warehouse: Warehouse;
  const walkId = randomUUID();

  beforeAll(async () => {
    database = await createTestDatabase('sei_test', { migrated: true });
    warehouse = await openWarehouse({ databaseUrl: new Secret(database.url) });
    const { db } = warehouse;
    await sql`ALTER TABLE sei.jira_issues SET (autovacuum_enabled = false)`.execute(db);
    await sql`ALTER TABLE sei_sync.walk_keys SET (autovacuum_enabled = false)`.execute(db);
    // Statistics taken before the walk: a few deleted rows, and the keys of an earlier walk.
    await sql`
      INSERT INTO sei.jira_issues (integration_id, issue_key, raw, row_hash, deleted_at)
      SELECT '1', 'OLD-' || g, '{}', 'h', now() FROM generate_series(1, 100) g`.execute(db);
    await sql`
      INSERT INTO sei_sync.walk_keys (walk_id, key)
      SELECT ${randomUUID()}::uuid, 'x' || g FROM generate_series(1, 100) g`.execute(db);
    await sql`ANALYZE sei.jira_issues`.execute(db);
    await sql`ANALYZE sei_sync.walk_keys`.execute(db);
    // The walk's bulk writes: ROWS rows, all but UNSEEN of them seen.
    await sql`
      INSERT INTO sei.jira_issues (integration_id, issue_key, raw, row_hash)
      SELECT '1', 'K-' || g, '{}', 'h' FROM generate_series(1, ${ROWS}::int) g`.execute(db);
    await sql`
      INSERT INTO sei_sync.walk_keys (walk_id, key)
      SELECT ${walkId}::uuid, concat_ws(chr(31), '1', 'K-' || g)
      FROM generate_series(${UNSEEN + 1}::int, ${ROWS}::int) g`.execute(db);
  }, 120_000);

  afterAll(async () => {
    await warehouse?.close();
    await database?.drop();
  });

  it('plans a hash or merge anti join, never a nested loop, and marks exactly the unseen rows', async () => {
    const at = new Date();
    const [explained] = (await warehouse.db
      .transaction()
      .execute((trx) => explainMarkMissing(trx, walkId, jiraIssuesStream.table, at))) as [{ Plan: PlanNode }];
    const plan = nodes(explained.Plan);
    // The statistics are stale indeed: the planner expects next to nothing of the 200k rows.
    expect(Math.max(...plan.map((node) => node['Plan Rows']))).toBeLessThan(ROWS / 10);
    expect(plan.filter((node) => node['Node Type'] === 'Nested Loop')).toEqual([]);
    expect(plan.filter((node) => node['Join Type'] === 'Anti').map((node) => node['Node Type'])).toEqual([
      expect.stringMatching(/^(Hash|Merge) Join$/),
    ]);

    const gone = await warehouse.db
      .transaction()
      .execute((trx) => markMissingAsDeleted(trx, walkId, jiraIssuesStream.table, at));
    expect(gone.keys.map((key) => key.issue_key).sort()).toEqual(
      Array.from({ length: UNSEEN }, (_, i) => `K-${i + 1}`).sort(),
    );
    // The setting is back for the rest of the transaction (history writes and the like).
    const setting = await warehouse.db.transaction().execute(async (trx) => {
      await explainMarkMissing(trx, walkId, jiraIssuesStream.table, at);
      return (await sql<{ v: string }>`SELECT current_setting('enable_nestloop') AS v`.execute(trx)).rows[0]
        ?.v;
    });
    expect(setting).toBe('on');
  }, 120_000);
});
