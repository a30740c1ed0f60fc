/**
 * `npx tsx bench/write-paths.ts [--issues 20000] [--repeat 3] [--baseline <git ref>]`
 *
 * What each part of the write path costs PostgreSQL, without the fetching: N Jira issues (the
 * simulator's generator, normalized up front, untimed) written page by page (1000 records, one
 * transaction each, the history layer on) on ONE connection into a fresh database, then written again
 * (a no-op), then the limit: a binary COPY of everything the first pass wrote into an empty database
 * of the same schema (./lib/copy-everything.ts). Variants, each on its own database:
 *
 * - `copy`: the COPY path (src/load/write-path-copy.ts), lz4 where the server has it, schema 009;
 * - `copy pglz`: the same with pglz staging (what lz4 bought);
 * - `copy + fk`: the COPY path with the Jira history tables' foreign keys put back (what dropping them bought);
 * - `jsonb`: the portable path (what COPY bought over one jsonb parameter, the hash in the process kept);
 * - `baseline` (with --baseline): that commit's own write path and history layer, on its own schema.
 *
 * Runs interleave (`--repeat`); min and median are printed. Wall time includes the process's own work
 * (serializing, hashing, encoding), which in a real sync overlaps with PostgreSQL's.
 */
import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import { historyChangeListener } from '../src/load/history.js';
import { type WritePageInput, writePage } from '../src/load/upsert.js';
import { createCopyWritePath } from '../src/load/write-path-copy.js';
import { jsonbWritePath } from '../src/load/write-path-jsonb.js';
import type { Executor, WritePath } from '../src/load/write-types.js';
import { type NormalizedPage, normalizePage } from '../src/normalize/page.js';
import { Secret } from '../src/secret.js';
import { Dataset } from '../src/simulator/dataset.js';
import { migrateToLatest } from '../src/state/migrate.js';
import { openWarehouse, type Warehouse } from '../src/state/open.js';
import type { Database } from '../src/state/schema.js';
import { STREAMS } from '../src/streams/registry.js';
import { buildBaselineCli } from './lib/baseline.js';
import { copyEverything } from './lib/copy-everything.js';
import { connect, createScratchDatabase } from './lib/database.js';
import { BENCH_SEED } from './lib/scenario-data.js';

const { values } = parseArgs({
  options: {
    issues: { type: 'string', default: '20000' },
    repeat: { type: 'string', default: '3' },
    baseline: { type: 'string' },
  },
});
const issues = Number(values.issues);
const repeat = Number(values.repeat);
const stream = STREAMS.jira_issues;

type PageWriter = (trx: Executor, page: NormalizedPage, runId: string, at: Date) => Promise<unknown>;

interface Variant {
  name: string;
  /** Migrates a fresh database and returns the page writer to measure on it. */
  prepare(warehouse: Warehouse, url: string): Promise<PageWriter>;
}

function pageInput(page: NormalizedPage, runId: string, at: Date): Omit<WritePageInput, 'path'> {
  return {
    table: stream.table,
    children: stream.children,
    rows: page.rows,
    childRows: page.childRows,
    runId,
    syncedAt: at,
    onChanged: (trx, table, changed) => historyChangeListener.onChanged(trx, table, changed, at, runId),
  };
}

function current(path: WritePath): PageWriter {
  return (trx, page, runId, at) => writePage(trx, { ...pageInput(page, runId, at), path });
}

async function sqlOn(url: string, statements: readonly string[]): Promise<void> {
  const client = await connect(url);
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

const FOREIGN_KEYS = ['jira_issue_status_history', 'jira_issue_assignee_history'].map(
  (name) =>
    `ALTER TABLE sei.${name} ADD FOREIGN KEY (integration_id, issue_key) REFERENCES sei.jira_issues (integration_id, issue_key) ON DELETE CASCADE`,
);

const variants: Variant[] = [
  {
    name: 'copy',
    async prepare(warehouse) {
      await migrateToLatest(warehouse);
      return current(createCopyWritePath({ compression: 'lz4' }));
    },
  },
  {
    name: 'copy pglz',
    async prepare(warehouse, url) {
      await migrateToLatest(warehouse);
      await sqlOn(url, [
        'ALTER TABLE sei.jira_issues ALTER COLUMN raw SET COMPRESSION pglz',
        'ALTER TABLE sei_history.jira_issues ALTER COLUMN raw SET COMPRESSION pglz',
      ]);
      return current(createCopyWritePath({ compression: 'pglz' }));
    },
  },
  {
    name: 'copy + fk',
    async prepare(warehouse, url) {
      await migrateToLatest(warehouse);
      await sqlOn(url, FOREIGN_KEYS);
      return current(createCopyWritePath({ compression: 'lz4' }));
    },
  },
  {
    name: 'jsonb',
    async prepare(warehouse) {
      await migrateToLatest(warehouse);
      return current(jsonbWritePath);
    },
  },
];

if (values.baseline !== undefined) {
  const { commit, cliPath } = buildBaselineCli(values.baseline);
  const out = cliPath.replace(/src\/cli\.js$/, '');
  variants.push({
    name: `baseline ${commit}`,
    async prepare(warehouse) {
      const migrate = (await import(
        `${out}src/warehouse/migrate.js`
      )) as typeof import('../src/state/migrate.js');
      await migrate.migrateToLatest(warehouse);
      const old = (await import(`${out}src/warehouse/upsert.js`)) as {
        writePage(trx: Executor, input: Omit<WritePageInput, 'path'>): Promise<unknown>;
      };
      const history = (await import(`${out}src/warehouse/history.js`)) as {
        historyChangeListener: typeof historyChangeListener;
      };
      return (trx, page, runId, at) =>
        old.writePage(trx, {
          ...pageInput(page, runId, at),
          onChanged: (t, table, changed) =>
            history.historyChangeListener.onChanged(t, table, changed, at, runId),
        });
    },
  });
}

function pagesOfIssues(): NormalizedPage[] {
  const data = new Dataset({
    seed: BENCH_SEED,
    streamSizes: {
      jira_issues: issues,
      workitems: 0,
      scm_commits: 0,
      scm_pull_requests: 0,
      cicd_job_runs: 0,
    },
  });
  const state = data.state('jira_issues');
  const pages: NormalizedPage[] = [];
  for (let first = 0; first < issues; first += 1000) {
    const records = [];
    for (let ordinal = first; ordinal < Math.min(issues, first + 1000); ordinal++)
      records.push(JSON.parse(state.json(ordinal).toString()));
    pages.push(normalizePage(stream, records));
  }
  return pages;
}

async function writeAll(
  db: Kysely<Database>,
  pages: readonly NormalizedPage[],
  write: PageWriter,
): Promise<number> {
  const runId = crypto.randomUUID();
  const at = new Date();
  const started = performance.now();
  for (const page of pages) await db.transaction().execute((trx) => write(trx, page, runId, at));
  return (performance.now() - started) / 1000;
}

interface Measure {
  first: number;
  noop: number;
  copy: number;
}

async function measure(variant: Variant, pages: readonly NormalizedPage[]): Promise<Measure> {
  const database = await createScratchDatabase('sei_bench_paths');
  const limitDatabase = await createScratchDatabase('sei_bench_paths_copy');
  try {
    let warehouse = await openWarehouse({ databaseUrl: new Secret(database.url), poolSize: 2 });
    let write: PageWriter;
    try {
      write = await variant.prepare(warehouse, database.url);
    } finally {
      await warehouse.close();
    }
    // A new pool: every measured session starts like a sync's does.
    warehouse = await openWarehouse({ databaseUrl: new Secret(database.url), poolSize: 2 });
    let first: number;
    let noop: number;
    try {
      first = await writeAll(warehouse.db, pages, write);
      noop = await writeAll(warehouse.db, pages, write);
    } finally {
      await warehouse.close();
    }
    const limit = await openWarehouse({ databaseUrl: new Secret(limitDatabase.url), poolSize: 1 });
    try {
      await variant.prepare(limit, limitDatabase.url);
    } finally {
      await limit.close();
    }
    const copied = await copyEverything(database.url, limitDatabase.url);
    return { first, noop, copy: copied.seconds };
  } finally {
    await database.drop();
    await limitDatabase.drop();
  }
}

const pages = pagesOfIssues();
process.stderr.write(`write-paths: ${issues} Jira issues in ${pages.length} pages, ${repeat} rounds\n`);
const results = new Map<string, Measure[]>();
for (let round = 0; round < repeat; round++)
  for (const variant of variants) {
    const result = await measure(variant, pages);
    results.set(variant.name, [...(results.get(variant.name) ?? []), result]);
    process.stderr.write(
      `  ${variant.name}: first ${result.first.toFixed(2)} s, no-op ${result.noop.toFixed(2)} s, COPY of everything ${result.copy.toFixed(2)} s\n`,
    );
  }
const stat = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return `${sorted[0]!.toFixed(2)} / ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)}`;
};
process.stdout.write(
  '| variant | first write s (min / median) | no-op s | COPY of everything s | first / COPY (medians) |\n| --- | --- | --- | --- | --- |\n',
);
for (const [name, list] of results) {
  const median = (pick: (m: Measure) => number) =>
    [...list.map(pick)].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
  process.stdout.write(
    `| ${name} | ${stat(list.map((m) => m.first))} | ${stat(list.map((m) => m.noop))} | ${stat(list.map((m) => m.copy))} | ${(median((m) => m.first) / median((m) => m.copy)).toFixed(2)} |\n`,
  );
}
