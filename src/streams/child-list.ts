/**
 * Child tables from a list inside the record (Jira's `status_list` and `assignee_list`): one child row
 * per entry, keyed by the parent's key and the entry's position, declared as a field list like the
 * parent. When the parent changes, all its child rows are replaced in the same transaction.
 */
import type { SeiRecord } from '../extract/sei/types.js';
import { type FieldNotes, isPlainObject, ListEntryNotes, preview } from '../normalize/convert.js';
import { compileRowBuilder, type RowBuilder } from '../normalize/row-builder.js';
import type { Field } from './fields.js';
import { keyColumn, ORDINAL_COLUMN } from './table-spec.js';
import type { ChildTableSpec, Row } from './types.js';

export interface ChildList {
  /** The child table (schema `sei`). */
  readonly table: string;
  /** The record field holding the list. */
  readonly list: string;
  /** Columns read from each entry of the list. */
  readonly fields: readonly Field[];
}

/** The child table: the parent's key columns, `ordinal`, then the fields. */
export function childTableSpec(child: ChildList, parentKey: readonly string[]): ChildTableSpec {
  return {
    schema: 'sei',
    name: child.table,
    parentKey,
    columns: [
      ...parentKey.map((column) => keyColumn(column)),
      ORDINAL_COLUMN,
      ...child.fields.map((field) => ({ name: field.column, type: field.type })),
    ],
  };
}

/** Builds the child rows of one record: the parent's key values in key order. */
export type ChildRowsBuilder = (record: SeiRecord, parentKey: readonly string[], notes: FieldNotes) => Row[];

/**
 * One child row per object in the list, in list order, numbered 0, 1, 2, ... (`ordinal`). Entries that
 * are not objects are skipped without leaving a gap (the engine reads an ordinal that does not go up
 * as the start of the next parent's list), with a note; `raw` still holds them.
 */
export function childRowsBuilder(child: ChildList, parentKey: readonly string[]): ChildRowsBuilder {
  const build: RowBuilder = compileRowBuilder([...parentKey, 'ordinal'], child.fields, { withRaw: false });
  return (record, keyValues, notes) => childRows(child, build, record, keyValues, notes);
}

function childRows(
  child: ChildList,
  build: RowBuilder,
  record: SeiRecord,
  parentKey: readonly string[],
  notes: FieldNotes,
): Row[] {
  const list = record[child.list];
  if (!Array.isArray(list)) {
    if (list !== undefined && list !== null)
      notes.add(child.list, 'nulled_wrong_type', `${preview(list)} is not a list: no ${child.table} rows`);
    return [];
  }
  if (list.length === 0) return [];
  // Sized at once (an array grown by push held room for 17 rows), cut if entries were skipped.
  const rows: Row[] = new Array(list.length);
  let count = 0;
  const at = new ListEntryNotes(notes, child.list);
  // One array of the fixed values for the whole list (the builder copies them into each row): an
  // array per entry was about 5% of a Jira sync's allocations.
  // concat, not a spread: a spread grows its array as it goes (three times the bytes here).
  const fixed: unknown[] = (parentKey as readonly unknown[]).concat(0);
  const ordinalAt = parentKey.length;
  for (let i = 0; i < list.length; i++) {
    const entry: unknown = list[i];
    if (!isPlainObject(entry)) {
      notes.add(`${child.list}[${i}]`, 'nulled_wrong_type', `${preview(entry)} is not an entry: skipped`);
      continue;
    }
    at.index = i;
    fixed[ordinalAt] = count;
    rows[count++] = build(entry, at, fixed);
  }
  rows.length = count;
  return rows;
}
