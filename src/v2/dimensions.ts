/**
 * Writes one org dimension as SCD type 2 in place: the full list just read replaces the current
 * versions. A key whose row changed (or that the list no longer holds) gets `valid_to`; a key with no
 * current version gets a new one from `valid_from`. Two statements, set-based, in the caller's
 * transaction; an unchanged row is not touched.
 */
import { CompiledQuery } from 'kysely';
import type { Executor } from '../load/upsert.js';

export interface DimensionSpec {
  table: string;
  key: readonly string[];
  /** Column → its PostgreSQL type, key columns included (not `raw`). */
  columns: Readonly<Record<string, 'text' | 'integer' | 'boolean'>>;
}

export const DIMENSIONS = {
  trees: {
    table: 'org_trees',
    key: ['org_tree_id'],
    columns: { org_tree_id: 'text', name: 'text', root_team_ref_id: 'text' },
  },
  teams: {
    table: 'teams',
    key: ['team_ref_id'],
    columns: {
      team_ref_id: 'text',
      org_tree_id: 'text',
      name: 'text',
      parent_ref_id: 'text',
      hierarchy_path: 'text',
      depth: 'integer',
      leaf: 'boolean',
    },
  },
  members: {
    table: 'team_members',
    key: ['team_ref_id', 'developer_ref_id'],
    columns: { team_ref_id: 'text', developer_ref_id: 'text', name: 'text', email: 'text' },
  },
  integrations: {
    table: 'integrations',
    key: ['org_tree_id', 'integration_id'],
    columns: { org_tree_id: 'text', integration_id: 'text', name: 'text', type: 'text' },
  },
  developers: {
    table: 'developers',
    key: ['developer_ref_id'],
    columns: { developer_ref_id: 'text', name: 'text', email: 'text', team_ref_id: 'text' },
  },
} as const satisfies Record<string, DimensionSpec>;

export interface DimensionChange {
  opened: number;
  closed: number;
  unchanged: number;
}

/** Strips what PostgreSQL's jsonb cannot hold (NUL) from every string of a value. */
export function storable(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('\u0000') ? value.replaceAll('\u0000', '') : value;
  if (Array.isArray(value)) return value.map(storable);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k.replaceAll('\u0000', ''), storable(v)]),
    );
  return value;
}

export async function replaceDimension(
  trx: Executor,
  spec: DimensionSpec,
  rows: readonly Record<string, unknown>[],
  at: Date,
  runId: string,
): Promise<DimensionChange> {
  const names = Object.keys(spec.columns);
  const recordset = [...names.map((name) => `${name} ${spec.columns[name]}`), 'raw jsonb'].join(', ');
  const keyMatch = (a: string, b: string) => spec.key.map((k) => `${a}.${k} = ${b}.${k}`).join(' AND ');
  // One row per key (a list that names a key twice keeps one of them).
  const incoming = `(SELECT DISTINCT ON (${spec.key.join(', ')}) x.*, md5(x.raw::text) AS row_hash
      FROM jsonb_to_recordset($1::jsonb) AS x(${recordset}))`;
  const table = `sei_v2.${spec.table}`;
  const params = [JSON.stringify(storable(rows)), at.toISOString(), runId];
  const closed = await trx.executeQuery<{ n: number }>(
    CompiledQuery.raw(
      `WITH closed AS (
        UPDATE ${table} AS t SET valid_to = $2::timestamptz
        WHERE t.valid_to IS NULL AND NOT EXISTS (
          SELECT 1 FROM ${incoming} AS n WHERE ${keyMatch('n', 't')} AND n.row_hash = t.row_hash)
        RETURNING 1)
      SELECT count(*)::int AS n FROM closed`,
      params.slice(0, 2),
    ),
  );
  const opened = await trx.executeQuery<{ n: number }>(
    CompiledQuery.raw(
      `WITH opened AS (
        INSERT INTO ${table} (${names.join(', ')}, raw, row_hash, valid_from, run_id)
        SELECT ${names.map((name) => `n.${name}`).join(', ')}, n.raw, n.row_hash, $2::timestamptz, $3::uuid
        FROM ${incoming} AS n
        WHERE NOT EXISTS (SELECT 1 FROM ${table} AS t WHERE ${keyMatch('t', 'n')} AND t.valid_to IS NULL)
        RETURNING 1)
      SELECT count(*)::int AS n FROM opened`,
      params,
    ),
  );
  const closedCount = closed.rows[0]?.n ?? 0;
  const openedCount = opened.rows[0]?.n ?? 0;
  return { opened: openedCount, closed: closedCount, unchanged: rows.length - openedCount };
}
