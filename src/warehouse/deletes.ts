/**
 * Deletions, for walks that can prove them (full-refresh lists, walks from the beginning of time, a
 * verify's heal of some buckets). SEI has no "deleted" feed: a row is gone when a complete walk
 * no longer returns it. Each page records the keys it saw in `sei_sync.walk_keys` (cheap: a narrow
 * insert instead of rewriting every unchanged row), and only after a complete, clean walk are rows
 * missing from that set marked `deleted_at`. An incomplete or failed walk never deletes anything.
 */
import { CompiledQuery } from 'kysely';
import type { TableSpec } from '../streams/types.js';
import { keyText, keyTextSql, qualified, quoteIdent } from './sql-text.js';
import type { Executor } from './upsert.js';

export async function recordSeenKeys(
  db: Executor,
  walkId: string,
  table: TableSpec,
  rows: readonly Record<string, unknown>[],
): Promise<void> {
  await recordKeys(
    db,
    walkId,
    rows.map((row) => keyText(row, table.key)),
  );
}

/** Notes keys (`keyText` form) as seen by the walk, e.g. records read without being written. */
export async function recordKeys(db: Executor, walkId: string, seen: Iterable<string>): Promise<void> {
  const keys = [...new Set(seen)];
  if (keys.length === 0) return;
  await db.executeQuery(
    CompiledQuery.raw(
      `INSERT INTO sei_sync.walk_keys (walk_id, key) SELECT $1::uuid, k FROM unnest($2::text[]) AS k ON CONFLICT DO NOTHING`,
      [walkId, keys],
    ),
  );
}

export interface DeletedRows {
  /** Key columns of each row just marked deleted. */
  keys: Record<string, unknown>[];
}

/**
 * Limits deletions to rows whose `column` lies in one of `ranges` (`[from, to)`): a walk that read only
 * those stretches of time (a verify's heal) proves nothing about rows elsewhere.
 */
export interface DeletionScope {
  column: string;
  ranges: readonly { from: Date; to: Date }[];
}

/** The live rows of `table` the walk did not see (within `scope`), as a WHERE clause over alias `t`. */
function unseenRows(table: TableSpec, scope: DeletionScope | undefined, firstParam: number): string {
  const unseen = `t.deleted_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM sei_sync.walk_keys w WHERE w.walk_id = $1::uuid AND w.key = ${keyTextSql('t', table.key)})`;
  if (!scope) return unseen;
  const column = `t.${quoteIdent(scope.column)}`;
  return `${unseen}
         AND EXISTS (SELECT 1 FROM unnest($${firstParam}::timestamptz[], $${firstParam + 1}::timestamptz[]) AS r(lo, hi) WHERE ${column} >= r.lo AND ${column} < r.hi)`;
}

function scopeParams(scope: DeletionScope | undefined): string[][] {
  if (!scope) return [];
  return [scope.ranges.map((r) => r.from.toISOString()), scope.ranges.map((r) => r.to.toISOString())];
}

/** Marks rows the walk did not see as deleted (returns their keys), then forgets the walk's keys. */
export async function markMissingAsDeleted(
  db: Executor,
  walkId: string,
  table: TableSpec,
  at: Date,
  scope?: DeletionScope,
): Promise<DeletedRows> {
  const target = qualified(table.schema, table.name);
  const result = await db.executeQuery<Record<string, unknown>>(
    CompiledQuery.raw(
      `UPDATE ${target} AS t SET deleted_at = $2::timestamptz
       WHERE ${unseenRows(table, scope, 3)}
       RETURNING ${table.key.map((column) => `t."${column}"`).join(', ')}`,
      [walkId, at.toISOString(), ...scopeParams(scope)],
    ),
  );
  await forgetWalkKeys(db, walkId);
  return { keys: result.rows };
}

/** How many rows `markMissingAsDeleted` would mark now (nothing is changed). */
export async function countMissing(
  db: Executor,
  walkId: string,
  table: TableSpec,
  scope?: DeletionScope,
): Promise<number> {
  const result = await db.executeQuery<{ n: number }>(
    CompiledQuery.raw(
      `SELECT count(*)::int AS n FROM ${qualified(table.schema, table.name)} AS t WHERE ${unseenRows(table, scope, 2)}`,
      [walkId, ...scopeParams(scope)],
    ),
  );
  return result.rows[0]?.n ?? 0;
}

export async function forgetWalkKeys(db: Executor, walkId: string): Promise<void> {
  await db.deleteFrom('sei_sync.walk_keys').where('walk_id', '=', walkId).execute();
}
