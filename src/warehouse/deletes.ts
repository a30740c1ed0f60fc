/**
 * Deletions for full-refresh streams. SEI has no "deleted" feed: a row is gone when a complete walk
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
  if (rows.length === 0) return;
  const keys = [...new Set(rows.map((row) => keyText(row, table.key)))];
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
 * Which rows a walk could have seen, when it did not cover the whole table: those from its backfill
 * horizon on (by the cursor column), of its integrations. Rows outside are never marked deleted.
 */
export interface DeletionScope {
  since?: { column: string; at: Date };
  integrations?: { column: string; ids: readonly string[] };
}

/** Marks rows (within `scope`) the walk did not see as deleted (returns their keys), then forgets the walk's keys. */
export async function markMissingAsDeleted(
  db: Executor,
  walkId: string,
  table: TableSpec,
  at: Date,
  scope: DeletionScope = {},
): Promise<DeletedRows> {
  const target = qualified(table.schema, table.name);
  const parameters: unknown[] = [walkId, at.toISOString()];
  const conditions: string[] = [];
  if (scope.since) {
    parameters.push(scope.since.at.toISOString());
    conditions.push(`t.${quoteIdent(scope.since.column)} >= $${parameters.length}::timestamptz`);
  }
  if (scope.integrations) {
    parameters.push([...scope.integrations.ids]);
    conditions.push(`t.${quoteIdent(scope.integrations.column)}::text = ANY($${parameters.length}::text[])`);
  }
  const result = await db.executeQuery<Record<string, unknown>>(
    CompiledQuery.raw(
      `UPDATE ${target} AS t SET deleted_at = $2::timestamptz
       WHERE t.deleted_at IS NULL${conditions.map((condition) => ` AND ${condition}`).join('')}
         AND NOT EXISTS (SELECT 1 FROM sei_sync.walk_keys w WHERE w.walk_id = $1::uuid AND w.key = ${keyTextSql('t', table.key)})
       RETURNING ${table.key.map((column) => `t."${column}"`).join(', ')}`,
      parameters,
    ),
  );
  await forgetWalkKeys(db, walkId);
  return { keys: result.rows };
}

export async function forgetWalkKeys(db: Executor, walkId: string): Promise<void> {
  await db.deleteFrom('sei_sync.walk_keys').where('walk_id', '=', walkId).execute();
}
