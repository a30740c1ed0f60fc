/**
 * A row's key columns as an object of their own (`{ integration_id, issue_key }`): what changed rows
 * report (`ChangedRow.key`) and what the history statements take as JSON. A page builds one per row
 * written; `Object.fromEntries` over mapped pairs allocated three arrays for each.
 *
 * Why generated code: an object literal with the columns' names gets one shape and no arrays, like
 * ../normalize/row-builder.ts. Names go into the code quoted with JSON.stringify; `__proto__` (which a
 * literal would take for the prototype) takes the generic way.
 */

/** The key object of `row`: exactly the key columns, in key order. */
export type KeyObjectOf = (row: Readonly<Record<string, unknown>>) => Record<string, unknown>;

const builders = {
  asIs: new WeakMap<readonly string[], KeyObjectOf>(),
  nulled: new WeakMap<readonly string[], KeyObjectOf>(),
};

/**
 * The builder for `columns` (compiled once per key list): each value as the row holds it, or with
 * `missingAsNull` undefined as null (as JSON must carry it).
 */
export function keyObjectOf(columns: readonly string[], options: { missingAsNull: boolean }): KeyObjectOf {
  const cache = options.missingAsNull ? builders.nulled : builders.asIs;
  let build = cache.get(columns);
  if (build === undefined) {
    build = compile(columns, options.missingAsNull);
    cache.set(columns, build);
  }
  return build;
}

function compile(columns: readonly string[], missingAsNull: boolean): KeyObjectOf {
  if (columns.includes('__proto__'))
    return (row) =>
      Object.fromEntries(
        columns.map((column) => [column, missingAsNull ? (row[column] ?? null) : row[column]]),
      );
  const read = (column: string) => `row[${JSON.stringify(column)}]${missingAsNull ? ' ?? null' : ''}`;
  const body = `return { ${columns.map((column) => `${JSON.stringify(column)}: ${read(column)}`).join(', ')} };`;
  return new Function('row', body) as KeyObjectOf;
}
