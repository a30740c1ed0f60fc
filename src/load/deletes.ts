/**
 * Deletions, for walks that can prove them (full-refresh lists, walks from the beginning of time, a
 * verify's heal of some buckets). SEI has no "deleted" feed: a row is gone when a complete walk
 * no longer returns it. Each page records the keys it saw in `sei_sync.walk_keys` (cheap: a narrow
 * insert instead of rewriting every unchanged row), and only after a complete, clean walk are rows
 * missing from that set marked `deleted_at`. An incomplete or failed walk never deletes anything.
 *
 * A row a sync walk inserted needs no key (issue 24: on a first sync that is every row): its
 * `first_seen_at` is its page's `now()`, after the start of the walk's read kept in its checkpoint
 * (`walk_pass_started_at`, PostgreSQL's clock), and rows first seen after it are never marked
 * deleted by that walk. Strictly after: a clock as coarse as PGlite's gives a row stored just before
 * the start the same instant, and that row must stay deletable (a page at the same instant notes its keys). Whether a page's inserted keys are left out is decided in SQL, in the page's
 * transaction, by the same comparison the deletion step makes: a key is left out only for a row that
 * step keeps, whatever the clocks do. Walks not in a checkpoint (lists, heals) note every key.
 */
import { CompiledQuery } from 'kysely';
import { assertSchemaNotNewer } from '../state/migrate.js';
import { keyTextSql, qualified, quoteIdent } from '../state/sql-text.js';
import type { TableSpec } from '../streams/types.js';
import type { Executor } from './upsert.js';

/**
 * SQL: whether `instant` is after the start of the current read of walk `$1` (false for a walk
 * without one: not a checkpoint's, or planned before migration 017).
 */
function inWalkPass(instant: string): string {
  return `coalesce(${instant} > (SELECT c.walk_pass_started_at FROM sei_sync.checkpoints c WHERE c.walk_id = $1::uuid), false)`;
}

/**
 * Notes keys (`keyText` form, each once) as seen by the walk: a page's, or records read without being
 * written (verify's heal). `inserted`: the keys of the rows this transaction inserted, left out when the
 * deletion step keeps them anyway. `textArrayParam`: how
 * the key lists are sent (`WritePath.textArrayParam`; default as they are).
 */
export async function recordSeenKeys(
  db: Executor,
  walkId: string,
  keys: Iterable<string>,
  inserted: ReadonlySet<string> = new Set(),
  textArrayParam: (values: readonly string[]) => unknown = (values) => values,
): Promise<void> {
  const kept: string[] = [];
  const added: string[] = [];
  for (const key of keys) (inserted.has(key) ? added : kept).push(key);
  if (kept.length + added.length === 0) return;
  await db.executeQuery(
    CompiledQuery.raw(
      `INSERT INTO sei_sync.walk_keys (walk_id, key)
       SELECT $1::uuid, k FROM unnest($2::text[]) AS k
       UNION ALL
       SELECT $1::uuid, k FROM unnest($3::text[]) AS k WHERE NOT ${inWalkPass('now()')}
       ON CONFLICT DO NOTHING`,
      [walkId, textArrayParam(kept), textArrayParam(added)],
    ),
  );
}

export interface DeletedRows {
  /** Key columns of each row just marked deleted. */
  keys: Record<string, unknown>[];
}

/**
 * Which rows a walk could have seen, when it did not cover the whole table: those from its backfill
 * horizon on (by the cursor column), of its integrations, and (a verify's heal, which read only some
 * stretches of time) whose column lies in one of `within.ranges` (`[from, to)`). Rows outside are
 * never marked deleted.
 */
export interface DeletionScope {
  since?: { column: string; at: Date };
  integrations?: { column: string; ids: readonly string[] };
  within?: { column: string; ranges: readonly { from: Date; to: Date }[] };
}

/**
 * The live rows of `table` (alias `t`) within `scope` that walk `$1` did not see, as a WHERE clause;
 * its parameters are appended to `parameters`. Rows first seen during the walk's read are kept: it
 * inserted them (their keys may not be noted), or, should another writer have, they are not proven gone.
 */
function unseenRows(table: TableSpec, scope: DeletionScope, parameters: unknown[]): string {
  const conditions = ['t.deleted_at IS NULL', `NOT ${inWalkPass('t.first_seen_at')}`];
  const parameter = (value: unknown) => {
    parameters.push(value);
    return `$${parameters.length}`;
  };
  if (scope.since)
    conditions.push(
      `t.${quoteIdent(scope.since.column)} >= ${parameter(scope.since.at.toISOString())}::timestamptz`,
    );
  if (scope.integrations)
    conditions.push(
      `t.${quoteIdent(scope.integrations.column)}::text = ANY(${parameter([...scope.integrations.ids])}::text[])`,
    );
  if (scope.within) {
    const column = `t.${quoteIdent(scope.within.column)}`;
    const from = parameter(scope.within.ranges.map((range) => range.from.toISOString()));
    const to = parameter(scope.within.ranges.map((range) => range.to.toISOString()));
    conditions.push(
      `EXISTS (SELECT 1 FROM unnest(${from}::timestamptz[], ${to}::timestamptz[]) AS r(lo, hi) WHERE ${column} >= r.lo AND ${column} < r.hi)`,
    );
  }
  conditions.push(
    `NOT EXISTS (SELECT 1 FROM sei_sync.walk_keys w WHERE w.walk_id = $1::uuid AND w.key = ${keyTextSql('t', table.key)})`,
  );
  return conditions.join('\n         AND ');
}

/** The statement that marks rows (within `scope`) the walk did not see as deleted, returning their keys. */
function markMissingQuery(
  walkId: string,
  table: TableSpec,
  at: Date,
  scope: DeletionScope,
): CompiledQuery<Record<string, unknown>> {
  const parameters: unknown[] = [walkId, at.toISOString()];
  const where = unseenRows(table, scope, parameters);
  return CompiledQuery.raw(
    `UPDATE ${qualified(table.schema, table.name)} AS t SET deleted_at = $2::timestamptz
       WHERE ${where}
       RETURNING ${table.key.map((column) => `t."${column}"`).join(', ')}`,
    parameters,
  ) as CompiledQuery<Record<string, unknown>>;
}

/**
 * Runs `query` with nested loops off, then puts the setting back for the rest of the transaction.
 * The statistics of a table just filled by a walk (and of walk_keys, whose walk id is new each time)
 * are stale until autovacuum's next ANALYZE, which a server restart postpones further: the planner
 * then guesses one row per side and picks a nested loop that reads every walk key for every row
 * (minutes at 50k rows). A hash or merge anti join costs the same at any size, so the plan must
 * not depend on what the statistics say.
 */
async function withoutNestedLoops<R>(db: Executor, query: CompiledQuery<R>): Promise<R[]> {
  if (!db.isTransaction) return db.transaction().execute((trx) => withoutNestedLoops(trx, query));
  const { rows } = await db.executeQuery<{ before: string }>(
    CompiledQuery.raw(
      `SELECT current_setting('enable_nestloop') AS before, set_config('enable_nestloop', 'off', true)`,
    ),
  );
  const result = await db.executeQuery(query);
  await db.executeQuery(
    CompiledQuery.raw(`SELECT set_config('enable_nestloop', $1, true)`, [rows[0]?.before]),
  );
  return result.rows;
}

/**
 * Marks rows (within `scope`) the walk did not see as deleted (returns their keys), then forgets the
 * walk's keys. Refuses (`SchemaNewerError`) when a newer sei-sync migrated the database meanwhile: it
 * may have written rows whose keys this version expects to find noted.
 */
export async function markMissingAsDeleted(
  db: Executor,
  walkId: string,
  table: TableSpec,
  at: Date,
  scope: DeletionScope = {},
): Promise<DeletedRows> {
  await assertSchemaNotNewer(db);
  const keys = await withoutNestedLoops(db, markMissingQuery(walkId, table, at, scope));
  await forgetWalkKeys(db, walkId);
  return { keys };
}

/** The plan (EXPLAIN, JSON) `markMissingAsDeleted` would run now; nothing is changed. */
export async function explainMarkMissing(
  db: Executor,
  walkId: string,
  table: TableSpec,
  at: Date,
  scope: DeletionScope = {},
): Promise<unknown> {
  const query = markMissingQuery(walkId, table, at, scope);
  const [row] = await withoutNestedLoops(
    db,
    CompiledQuery.raw(`EXPLAIN (FORMAT JSON) ${query.sql}`, [...query.parameters]) as CompiledQuery<{
      'QUERY PLAN': unknown;
    }>,
  );
  return row?.['QUERY PLAN'];
}

/** How many rows `markMissingAsDeleted` would mark now (nothing is changed). */
export async function countMissing(
  db: Executor,
  walkId: string,
  table: TableSpec,
  scope: DeletionScope = {},
): Promise<number> {
  const parameters: unknown[] = [walkId];
  const where = unseenRows(table, scope, parameters);
  const [row] = await withoutNestedLoops(
    db,
    CompiledQuery.raw(
      `SELECT count(*)::int AS n FROM ${qualified(table.schema, table.name)} AS t WHERE ${where}`,
      parameters,
    ) as CompiledQuery<{ n: number }>,
  );
  return row?.n ?? 0;
}

export async function forgetWalkKeys(db: Executor, walkId: string): Promise<void> {
  await db.deleteFrom('sei_sync.walk_keys').where('walk_id', '=', walkId).execute();
}
