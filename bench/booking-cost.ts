/**
 * `npx tsx bench/booking-cost.ts`: CPU per page (this process and its PostgreSQL backend, from /proc) of
 * a page's bookkeeping, one connection, 2,000 transactions each, the variants interleaved:
 * - old: snapshots, slice and counts as three Kysely-built statements (as before page-booking.ts);
 * - new: the one-statement `bookPage`;
 * - touch / create: a transaction writing a temp table, without and with `CREATE TEMP TABLE IF NOT
 *   EXISTS` first (the staging table's statement each page).
 * Issue 24: is a statement per page worth cutting? (It measured ~0.1-0.3 ms per statement and page.)
 */
import { sql } from 'kysely';
import { Secret } from '../src/secret.js';
import { addToStreamRun, startRun, startStreamRun } from '../src/state/ledger.js';
import { migrateToLatest } from '../src/state/migrate.js';
import { openWarehouse } from '../src/state/open.js';
import { bookPage } from '../src/state/page-booking.js';
import { createSlices } from '../src/state/walk-slices.js';
import { processCpuSeconds } from './lib/cpu.js';
import { createScratchDatabase } from './lib/database.js';

const db0 = await createScratchDatabase('perf_stmts_booking');
const w = await openWarehouse({ databaseUrl: new Secret(db0.url), poolSize: 1 });
await migrateToLatest(w);
const db = w.db;
const pid = (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(db)).rows[0]!.pid;
const runId = await startRun(db, { trigger: 'cli', streams: ['jira_issues'], fullRefresh: false });
await startStreamRun(db, runId, 'jira_issues');
const walkId = '00000000-0000-4000-8000-0000000000aa';
await createSlices(db, walkId, 'jira_issues', 'asc', [{ from: 0, to: 1e12, estimatedRecords: 1 }]);
let at = 0;
const counts = {
  pages: 1,
  records: 1000,
  inserted: 1000,
  updated: 0,
  unchanged: 0,
  rejected: 0,
  sanitized: 0,
  requests: 1,
  retries: 0,
  rateLimited: 0,
};
const bounds = { from: 0, to: 1e12 };
async function oldPage(i: number) {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('sei_sync.walk_snapshots')
      .values([{ walk_id: walkId, integration_id: 'i', snapshot: i }])
      .onConflict((oc) => oc.doNothing())
      .execute();
    const r = await trx
      .updateTable('sei_sync.walk_slices')
      .set({
        resume_at: at + 1,
        pages: sql`pages + 1`,
        records: sql`records + ${1000}`,
        done_at: null,
        updated_at: sql`now()`,
      })
      .where('walk_id', '=', walkId)
      .where('slice_no', '=', 0)
      .where('resume_at', '=', at)
      .where('range_from', '=', bounds.from)
      .where('range_to', '=', bounds.to)
      .where('done_at', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new Error('not moved');
    await addToStreamRun(trx, runId, 'jira_issues', counts);
  });
  at += 1;
}
async function newPage(i: number) {
  await db.transaction().execute(async (trx) => {
    const r = await bookPage(trx, {
      walkId,
      snapshots: new Map([['i', new Set([i])]]),
      slice: {
        sliceNo: 0,
        move: { expectedResumeAt: at, expectedBounds: bounds, resumeAt: at + 1, records: 1000, done: false },
      },
      counts: { runId, stream: 'jira_issues', add: counts },
    });
    if (r.kind !== 'moved') throw new Error('not moved');
  });
  at += 1;
}
const create = sql.raw(
  'CREATE TEMP TABLE IF NOT EXISTS stage_probe (a text, b jsonb, c text) ON COMMIT DELETE ROWS',
);
await create.execute(db);
const touch = sql.raw('INSERT INTO stage_probe VALUES (1, null, 2)');
async function createPage() {
  await db.transaction().execute(async (trx) => {
    await create.execute(trx);
    await touch.execute(trx);
  });
}
async function touchPage() {
  await db.transaction().execute(async (trx) => {
    await touch.execute(trx);
  });
}
const total = {
  old: { sync: 0, pg: 0, n: 0 },
  new: { sync: 0, pg: 0, n: 0 },
  touch: { sync: 0, pg: 0, n: 0 },
  create: { sync: 0, pg: 0, n: 0 },
};
let snap = 0;
for (let round = 0; round < 12; round++) {
  for (const [name, fn] of [
    ['old', oldPage],
    ['new', newPage],
    ['touch', touchPage],
    ['create', createPage],
  ] as const) {
    const c0 = process.cpuUsage();
    const p0 = processCpuSeconds(pid);
    for (let i = 0; i < 200; i++) await fn(snap++);
    const c = process.cpuUsage(c0);
    const p1 = processCpuSeconds(pid);
    if (round < 2) continue; // warm-up
    total[name].sync += (c.user + c.system) / 1e6;
    total[name].pg += p1 - p0;
    total[name].n += 200;
  }
}
for (const [name, t] of Object.entries(total))
  console.log(
    `${name}: sync ${((1000 * t.sync) / t.n).toFixed(3)} ms/page, PG ${((1000 * t.pg) / t.n).toFixed(3)} ms/page over ${t.n} pages`,
  );
await w.close();
await db0.drop();
