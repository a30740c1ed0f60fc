/**
 * Turns a field list into the function that builds one row, compiled once per table.
 *
 * Why generated code: a loop over the fields reads `record[from]` with a different key each time and
 * calls each converter through a variable, so V8 can neither inline the converters nor keep one
 * shape for the row; that loop normalized a Jira page five times slower than the hand-written object
 * literals it replaced (`npm run bench:normalize`). The generated function IS such a literal:
 *
 *   function (record, notes, fixed) {
 *     return { "integration_id": fixed[0], "issue_key": fixed[1],
 *              "summary": c2(record["summary"], notes, "summary"), ..., "raw": record };
 *   }
 *
 * Only names from the stream modules go into the code (columns are checked to be plain names, record
 * fields are quoted with JSON.stringify); the converters are passed in, never written as text.
 */
import type { Field, FieldSource } from '../streams/fields.js';
import type { Row } from '../streams/types.js';
import type { FieldNotes } from './convert.js';

/** Builds a row: `fixed` holds the values of `fixedColumns` (keys, ordinal), in order. */
export type RowBuilder = (
  record: Readonly<Record<string, unknown>>,
  notes: FieldNotes,
  fixed: readonly unknown[],
) => Row;

const quote = (name: string) => JSON.stringify(name);

/** The expression reading a source whose helper (converter or reader) is `helper`. */
function expression(source: FieldSource, helper: string): string {
  switch (source.kind) {
    case 'field':
      return `${helper}(record[${quote(source.from)}], notes, ${quote(source.from)})`;
    case 'either': {
      const [first, second] = source.from.map(quote) as [string, string];
      return `(record[${first}] !== undefined && record[${first}] !== null ? ${helper}(record[${first}], notes, ${first}) : ${helper}(record[${second}], notes, ${second}))`;
    }
    case 'record':
      return `${helper}(record, notes)`;
  }
}

function helperOf(source: FieldSource): unknown {
  return source.kind === 'record' ? source.read : source.convert;
}

/**
 * The row builder for `fixedColumns` (filled from `fixed`), then `fields`, then `raw` (the record
 * itself) when `withRaw`.
 */
export function compileRowBuilder(
  fixedColumns: readonly string[],
  fields: readonly Field[],
  options: { withRaw: boolean },
): RowBuilder {
  const properties = [
    ...fixedColumns.map((column, i) => `${quote(column)}: fixed[${i}]`),
    ...fields.map((field, i) => `${quote(field.column)}: ${expression(field.source, `h${i}`)}`),
    ...(options.withRaw ? ['"raw": record'] : []),
  ];
  const helpers = fields.map((_, i) => `h${i}`);
  const body = `return function buildRow(record, notes, fixed) {\n  return {\n    ${properties.join(',\n    ')}\n  };\n};`;
  // Compiled once per table, from the stream modules' names only (see the header).
  const factory = new Function(...helpers, body) as (...helpers: unknown[]) => RowBuilder;
  return factory(...fields.map((field) => helperOf(field.source)));
}
