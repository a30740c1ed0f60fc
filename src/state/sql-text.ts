/** Small helpers to build SQL text from trusted, static identifiers (TableSpecs), never from data. */
import type { ColumnSpec } from '../streams/types.js';

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function qualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** `jsonb_to_recordset` column definitions: `"a" text, "b" timestamptz, ...`. */
export function recordsetColumns(columns: readonly ColumnSpec[]): string {
  return columns.map((column) => `${quoteIdent(column.name)} ${column.type}`).join(', ');
}

/** Separator of composite key parts in key strings: cannot occur in SEI ids. */
export const KEY_SEPARATOR = '\u001f';

/** The key of a row as one string, the same way `keyTextSql` builds it in SQL. */
export function keyText(row: Record<string, unknown>, key: readonly string[]): string {
  // Called several times per row on the way to a write: concatenation, not map and join.
  let text = key.length === 0 ? '' : String(row[key[0]!]);
  for (let i = 1; i < key.length; i++) text += KEY_SEPARATOR + String(row[key[i]!]);
  return text;
}

/** SQL expression giving the same string as `keyText` for the row alias `alias`. */
export function keyTextSql(alias: string, key: readonly string[]): string {
  if (key.length === 1) return `${alias}.${quoteIdent(key[0]!)}::text`;
  return `concat_ws(chr(31), ${key.map((column) => `${alias}.${quoteIdent(column)}::text`).join(', ')})`;
}
