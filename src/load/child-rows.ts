/**
 * Child rows (the Jira status and assignee histories) follow their parent: when a parent row changed,
 * its whole list is replaced in the page's transaction, so a list always matches its issue's record;
 * the children of unchanged parents are not touched.
 */
import { CompiledQuery } from 'kysely';
import { keyText, qualified, quoteIdent } from '../state/sql-text.js';
import type { ChildTableSpec, Row, TableSpec } from '../streams/types.js';
import type { ChangedRow, Executor, WritePath } from './write-types.js';

/**
 * A parent that appeared twice on a page kept its last version; so must its children. Child rows come in
 * record order with ordinals counting up from 0 per record, so a non-increasing ordinal starts a new list.
 */
export function lastListPerParent(
  rows: readonly Row[],
  parentKey: readonly string[],
  wanted: ReadonlySet<string>,
): Row[] {
  const lists = new Map<string, Row[]>();
  for (const row of rows) {
    const key = keyText(row, parentKey);
    if (!wanted.has(key)) continue;
    const list = lists.get(key);
    if (list === undefined || Number(row.ordinal) <= Number(list[list.length - 1]!.ordinal))
      lists.set(key, [row]);
    else list.push(row);
  }
  return [...lists.values()].flat();
}

/** Deletes the child rows of `parents` (key column values in the parent table's key order). */
async function deleteLists(
  trx: Executor,
  table: TableSpec,
  child: ChildTableSpec,
  parents: readonly ChangedRow[],
): Promise<void> {
  const keyColumns = child.parentKey.map(quoteIdent);
  const parentKeys = parents.map((row) =>
    Object.fromEntries(child.parentKey.map((column, i) => [column, row.key[table.key[i]!]])),
  );
  await trx.executeQuery(
    CompiledQuery.raw(
      `DELETE FROM ${qualified(child.schema, child.name)} AS c
       USING jsonb_to_recordset($1::jsonb) AS k(${keyColumns.map((column) => `${column} text`).join(', ')})
       WHERE ${keyColumns.map((column) => `c.${column}::text = k.${column}`).join(' AND ')}`,
      [JSON.stringify(parentKeys)],
    ),
  );
}

export interface ReplaceChildrenInput {
  table: TableSpec;
  /** The page's parent rows, as given (repeated keys included). */
  rows: readonly Row[];
  children: readonly ChildTableSpec[];
  /** Child table name → the page's rows (of every parent; only those of changed parents are written). */
  childRows: Readonly<Record<string, readonly Row[]>>;
  runId: string;
}

/** Replaces the lists of the parents that changed: old rows deleted, the page's rows inserted. */
export async function replaceChildren(
  trx: Executor,
  path: WritePath,
  input: ReplaceChildrenInput,
  changed: readonly ChangedRow[],
): Promise<void> {
  if (input.children.length === 0 || changed.length === 0) return;
  // Every parent changed and none came twice (a first sync): every child row is wanted, as it is.
  const everyList = changed.length === input.rows.length;
  const changedKeys = everyList
    ? undefined
    : new Set(changed.map((row) => keyText(row.key, input.table.key)));
  // A parent the page just inserted has no child rows yet (deleting or truncating parents deletes their
  // child rows: migration 009's triggers, the foreign keys' cascade before), so only updated parents
  // need their old lists deleted.
  const updated = changed.filter((row) => !row.inserted);
  for (const child of input.children) {
    if (updated.length > 0) await deleteLists(trx, input.table, child, updated);
    const pageRows = input.childRows[child.name] ?? [];
    const rows =
      changedKeys === undefined ? pageRows : lastListPerParent(pageRows, child.parentKey, changedKeys);
    if (rows.length > 0) await path.insertChildren(trx, child, rows, input.runId);
  }
}
