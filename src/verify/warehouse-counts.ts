/**
 * The warehouse's side of a verify: live rows (`deleted_at IS NULL`) counted per bucket by the column
 * the server filters on, with the same bounds the server applies, and the keys of the rows in a bucket.
 * One statement per question, whatever the number of buckets (the cursor columns are indexed).
 */
import { CompiledQuery } from 'kysely';
import type { Executor } from '../load/upsert.js';
import { keyTextSql, qualified, quoteIdent } from '../state/sql-text.js';
import type { TableSpec } from '../streams/types.js';

/**
 * The rows a scoped sync holds: those of its integrations (SEI_INTEGRATION_IDS), where the stream's
 * rows name one. Empty: every row.
 */
export interface RowFilter {
  integrations?: { column: string; ids: readonly string[] };
}

/** ` AND ...` conditions over alias `t` for `filter`, its parameters appended to `parameters`. */
function rowConditions(filter: RowFilter, parameters: unknown[]): string {
  if (!filter.integrations) return '';
  parameters.push([...filter.integrations.ids]);
  return ` AND t.${quoteIdent(filter.integrations.column)}::text = ANY($${parameters.length}::text[])`;
}

/** The instants a bucket selects: `lower < t < upper`, or `lower <= t <= upper` when inclusive. */
export interface CountInterval {
  lower: Date;
  upper: Date;
  /**
   * Rows without a value count here too when their stored record has one in `recordField` (the
   * server's instants before 1970 are stored as none); rows whose record has none are counted apart
   * (`countRowsWithoutValue`).
   */
  orNoValue?: boolean;
}

export interface IntervalCount {
  /** Live rows in the interval. */
  rows: number;
  /** Of those, rows whose key is among the `moved` keys given. */
  moved: number;
}

/** Live rows of the whole table (a full-refresh list is one bucket). */
export async function countLiveRows(db: Executor, table: TableSpec): Promise<number> {
  const result = await db.executeQuery<{ n: string | number }>(
    CompiledQuery.raw(
      `SELECT count(*) AS n FROM ${qualified(table.schema, table.name)} AS t WHERE t.deleted_at IS NULL`,
    ),
  );
  return Number(result.rows[0]?.n ?? 0);
}

/**
 * Live rows per interval of `column` (in the order given), and how many of them have a key in
 * `moved` (the `keyText` form). Rows with no value in `column` are only in intervals `orNoValue`.
 */
export async function countRowsInIntervals(
  db: Executor,
  table: TableSpec,
  column: string,
  intervals: readonly CountInterval[],
  options: { inclusive: boolean; recordField: string; moved?: ReadonlySet<string>; rows?: RowFilter },
): Promise<IntervalCount[]> {
  if (intervals.length === 0) return [];
  const col = `t.${quoteIdent(column)}`;
  const key = keyTextSql('t', table.key);
  // A key column is never NULL in a row, and always in a bucket no row joined.
  const present = `t.${quoteIdent(table.key[0] as string)}`;
  const [gt, lt] = options.inclusive ? ['>=', '<='] : ['>', '<'];
  const parameters: unknown[] = [
    intervals.map((interval) => interval.lower.toISOString()),
    intervals.map((interval) => interval.upper.toISOString()),
    [...(options.moved ?? [])],
    intervals.map((interval) => interval.orNoValue === true),
    options.recordField,
  ];
  const scoped = rowConditions(options.rows ?? {}, parameters);
  const result = await db.executeQuery<{ i: number; n: string | number; moved: string | number }>(
    CompiledQuery.raw(
      `SELECT b.i::int AS i, count(${present}) AS n, count(k.key) AS moved
       FROM unnest($1::timestamptz[], $2::timestamptz[], $4::boolean[]) WITH ORDINALITY AS b(lo, hi, nul, i)
       LEFT JOIN ${qualified(table.schema, table.name)} AS t
         ON t.deleted_at IS NULL AND (${col} ${gt} b.lo AND ${col} ${lt} b.hi OR b.nul AND ${col} IS NULL AND ${recordHasValue('$5')})${scoped}
       LEFT JOIN unnest($3::text[]) AS k(key) ON k.key = ${key}
       GROUP BY b.i ORDER BY b.i`,
      parameters,
    ),
  );
  return result.rows.map((row) => ({ rows: Number(row.n), moved: Number(row.moved) }));
}

/** The stored record (`raw`) has a value (not absent, not JSON null) in the field named by parameter `field`. */
const recordHasValue = (field: string) => `coalesce(jsonb_typeof(t.raw -> ${field}::text), 'null') <> 'null'`;

/**
 * Live rows with no value in `column` whose stored record has none in `recordField` either: records
 * the server lists without a cursor value (an instant before 1970 has one: it is in the first bucket).
 */
export async function countRowsWithoutValue(
  db: Executor,
  table: TableSpec,
  cursor: { column: string; recordField: string },
  rows: RowFilter = {},
): Promise<number> {
  const parameters: unknown[] = [cursor.recordField];
  const scoped = rowConditions(rows, parameters);
  const result = await db.executeQuery<{ n: string | number }>(
    CompiledQuery.raw(
      `SELECT count(*) AS n FROM ${qualified(table.schema, table.name)} AS t
       WHERE t.deleted_at IS NULL AND t.${quoteIdent(cursor.column)} IS NULL AND NOT ${recordHasValue('$1')}${scoped}`,
      parameters,
    ),
  );
  return Number(result.rows[0]?.n ?? 0);
}

/**
 * Keys (`keyText` form) of the live rows whose `column` lies in `[from, to)`, or of every live row
 * when `range` is undefined (a whole list).
 */
export async function liveRowKeys(
  db: Executor,
  table: TableSpec,
  range?: { column: string; from: Date; to: Date },
  rows: RowFilter = {},
): Promise<Set<string>> {
  const parameters: unknown[] = [];
  const inRange = range
    ? ` AND t.${quoteIdent(range.column)} >= $1::timestamptz AND t.${quoteIdent(range.column)} < $2::timestamptz`
    : '';
  if (range) parameters.push(range.from.toISOString(), range.to.toISOString());
  const scoped = rowConditions(rows, parameters);
  const result = await db.executeQuery<{ key: string }>(
    CompiledQuery.raw(
      `SELECT ${keyTextSql('t', table.key)} AS key FROM ${qualified(table.schema, table.name)} AS t WHERE t.deleted_at IS NULL${inRange}${scoped}`,
      parameters,
    ),
  );
  return new Set(result.rows.map((row) => row.key));
}

/** The earliest and latest instants in `column` among live rows (where the month buckets run), epoch seconds. */
export async function instantSpan(
  db: Executor,
  table: TableSpec,
  column: string,
  rows: RowFilter = {},
): Promise<{ first: number | undefined; last: number | undefined }> {
  const col = `t.${quoteIdent(column)}`;
  const parameters: unknown[] = [];
  const scoped = rowConditions(rows, parameters);
  const result = await db.executeQuery<{ first: Date | string | null; last: Date | string | null }>(
    CompiledQuery.raw(
      `SELECT min(${col}) AS first, max(${col}) AS last FROM ${qualified(table.schema, table.name)} AS t WHERE t.deleted_at IS NULL${scoped}`,
      parameters,
    ),
  );
  const seconds = (value: Date | string | null | undefined) =>
    value === null || value === undefined ? undefined : Math.floor(new Date(value).getTime() / 1000);
  return { first: seconds(result.rows[0]?.first), last: seconds(result.rows[0]?.last) };
}
