/**
 * Defence in depth, through the engine on PostgreSQL and PGlite: a normalizer bug lets a value through
 * that PostgreSQL refuses. The page is bisected, the records behind the error are rejected with
 * PostgreSQL's message, and the rest of the page commits with its checkpoint: the stream succeeds.
 */
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeiRecord } from '../../../src/extract/sei/types.js';
import { silentLogger } from '../../../src/observability/logger.js';
import type { Database } from '../../../src/state/schema.js';
import { STREAMS } from '../../../src/streams/registry.js';
import type { Row, StreamDefinition, StreamName } from '../../../src/streams/types.js';
import { createSyncEngine } from '../../../src/sync/engine.js';
import type { StreamRunResult } from '../../../src/sync/types.js';
import { fixedPagesClient } from '../../support/fixed-pages-client.js';
import { openTestWarehouse, type TestWarehouse, WAREHOUSE_KINDS } from '../../support/warehouses.js';
import { orgUserRecord, workitemRecord } from '../../unit/streams/records.js';

/** Values that pass no converter, each refused by PostgreSQL with its own SQLSTATE. */
const POISONS: Record<string, { column: string; value: unknown; sqlState: string }> = {
  int: { column: 'desc_size', value: 2 ** 40, sqlState: '22003' },
  nul: { column: 'summary', value: 'a\u0000b', sqlState: '22P05' },
  year: { column: 'workitem_created_at', value: new Date(1e15), sqlState: '22009' },
  version: { column: 'version', value: 'v\u0000', sqlState: '22P05' },
};

/** The stream with a normalizer that writes the record's `poison` into its column, as a bug would. */
function poisoned(stream: StreamDefinition): StreamDefinition {
  return {
    ...stream,
    normalize(record, notes) {
      const result = stream.normalize(record, notes);
      const poison = POISONS[String(record.poison)];
      if (!result.ok || poison === undefined) return result;
      const row: Row = { ...result.row, [poison.column]: poison.value };
      return { ...result, row };
    },
  };
}

const WORKITEMS: SeiRecord[] = Array.from({ length: 60 }, (_, i) => ({
  ...workitemRecord(),
  workitem_id: `W-${i}`,
  ...(i === 3 && { poison: 'int' }),
  // Sanitized before it was refused: its note is kept with the reject.
  ...(i === 30 && { poison: 'nul', reporter: 'has \u0000 NUL' }),
  ...(i === 31 && { poison: 'year' }),
  ...(i === 59 && { poison: 'int' }),
}));
const USERS: SeiRecord[] = Array.from({ length: 30 }, (_, i) => ({
  ...orgUserRecord(),
  id: `U-${i}`,
  ...(i === 7 && { poison: 'version' }),
}));
const POISONED_WORKITEMS = WORKITEMS.filter((record) => record.poison !== undefined);

describe.each(WAREHOUSE_KINDS)('records PostgreSQL refuses, on %s', (kind) => {
  let test: TestWarehouse;
  let db: Kysely<Database>;
  const results = new Map<StreamName, StreamRunResult>();

  beforeAll(async () => {
    test = await openTestWarehouse(kind);
    db = test.warehouse.db;
    const engine = createSyncEngine({
      warehouse: test.warehouse,
      client: fixedPagesClient({ [STREAMS.workitems.path]: WORKITEMS, [STREAMS.org_users.path]: USERS }),
      config: { lookbackSeconds: 86_400, sei: { pageSize: 25, maxPages: 100, requestsPerMinute: 60_000 } },
      logger: silentLogger,
      streams: { ...STREAMS, workitems: poisoned(STREAMS.workitems), org_users: poisoned(STREAMS.org_users) },
    });
    const runId = await engine.startRun({
      trigger: 'cli',
      streams: ['workitems', 'org_users'],
      fullRefresh: false,
    });
    for (const stream of ['workitems', 'org_users'] as const)
      results.set(stream, await engine.syncStream({ runId, stream, fullRefresh: false }));
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('succeeds and counts the refused records as rejected', () => {
    expect(results.get('workitems')).toMatchObject({
      status: 'succeeded',
      counts: { records: 60, inserted: 56, rejected: 4, sanitized: 1 },
    });
    // Three pages of records, and one empty tail page when the walk outlived its window's last second.
    const workitems = results.get('workitems');
    expect(workitems?.status === 'succeeded' && workitems.counts.pages).toBeOneOf([3, 4]);
    expect(results.get('org_users')).toMatchObject({
      status: 'succeeded',
      counts: { records: 30, inserted: 29, rejected: 1 },
    });
  });

  it("rejects exactly the refused records, with PostgreSQL's message and the raw record", async () => {
    const rejects = await sql<{ record_key: string; reason: string; raw: { workitem_id: string } }>`
      SELECT record_key, reason, raw FROM sei_sync.rejects WHERE stream = 'workitems' ORDER BY record_key`.execute(
      db,
    );
    expect(rejects.rows.map((row) => row.record_key)).toEqual(
      POISONED_WORKITEMS.map((record) => `4100:${record.workitem_id}`).sort(),
    );
    for (const row of rejects.rows) {
      const poison = POISONS[String(WORKITEMS.find((r) => r.workitem_id === row.raw.workitem_id)?.poison)]!;
      expect(row.reason).toMatch(new RegExp(`^PostgreSQL refused the record: ${poison.sqlState}: `));
    }
    const notes = await sql<{ record_key: string; field: string }>`
      SELECT record_key, field FROM sei_sync.sanitized_values WHERE stream = 'workitems'`.execute(db);
    expect(notes.rows).toEqual([{ record_key: '4100:W-30', field: 'reporter' }]);
  });

  it('commits every other record of the pages, and the walk completes', async () => {
    const landed = await sql<{ workitem_id: string }>`
      SELECT workitem_id FROM sei.workitems ORDER BY workitem_id`.execute(db);
    const expected = WORKITEMS.filter((record) => record.poison === undefined).map(
      (record) => record.workitem_id,
    );
    expect(landed.rows.map((row) => row.workitem_id)).toEqual([...expected].sort());
    // The walk completed: no walk in progress, the cursor moved (lists keep no checkpoint).
    const checkpoints = await sql<{ stream: string; walk_id: string | null; cursor: Date | null }>`
      SELECT stream, walk_id, cursor FROM sei_sync.checkpoints ORDER BY stream`.execute(db);
    expect(checkpoints.rows).toMatchObject([
      { stream: 'workitems', walk_id: null, cursor: expect.any(Date) },
    ]);
  });

  it('keeps history and full-refresh bookkeeping for the records that landed', async () => {
    const versions = await sql<{ n: number }>`SELECT count(*)::int AS n FROM sei_history.workitems`.execute(
      db,
    );
    expect(versions.rows[0]?.n).toBe(56);
    // The refused user was not seen by the walk; the 29 others are live, none deleted.
    const users = await sql<{ live: number; deleted: number }>`
      SELECT count(*) FILTER (WHERE deleted_at IS NULL)::int AS live,
             count(*) FILTER (WHERE deleted_at IS NOT NULL)::int AS deleted FROM sei.org_users`.execute(db);
    expect(users.rows).toEqual([{ live: 29, deleted: 0 }]);
  });
});
