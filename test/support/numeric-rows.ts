/** Rows of a SQL query with numeric and bigint values as numbers (pg returns them as strings). */
import { sql } from 'kysely';
import type { Warehouse } from '../../src/state/open.js';

/** `numeric` and `bigint` come back as strings from pg: compare numbers as numbers. */
export function numbers<T extends Record<string, unknown>>(list: readonly T[]): Record<string, unknown>[] {
  return list.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([key, value]) => [
        key,
        typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value,
      ]),
    ),
  );
}

export async function numericRows(warehouse: Warehouse, query: string): Promise<Record<string, unknown>[]> {
  const result = await sql.raw<Record<string, unknown>>(query).execute(warehouse.db);
  return numbers(result.rows);
}
