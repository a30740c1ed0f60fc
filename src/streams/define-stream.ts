/**
 * Builds a `StreamDefinition` (what the engine walks, normalizes and writes) from a declaration: the
 * endpoint, the key, the field list and any child lists. The table spec and the normalizer both come
 * from the field list, so adding a column is one line in the stream's module (and its migration).
 *
 * Defaults, so that a module states only what is particular to its endpoint: `page_size` as the page
 * size parameter, `has_next` meaning "this page was full", and for incremental streams a sort on the
 * cursor field in the order the server applies.
 */
import type { SeiRecord } from '../extract/sei/types.js';
import { accept, type FieldNotes, joinKey, reject } from '../normalize/convert.js';
import { compileRowBuilder } from '../normalize/row-builder.js';
import { type ChildList, childRowsBuilder, childTableSpec } from './child-list.js';
import type { Field } from './fields.js';
import type { StreamKey } from './stream-key.js';
import { keyColumn, RAW_COLUMN } from './table-spec.js';
import type {
  DoraSnapshotStream,
  EntityStreamDefinition,
  FullRefreshStream,
  IncrementalStream,
  NormalizeResult,
  Row,
  TableSpec,
} from './types.js';

/** What a stream module declares besides the endpoint: its table, key, columns and child lists. */
interface Shape {
  /** The `sei` table. */
  readonly table: string;
  readonly key: StreamKey;
  /** Typed columns besides the key and `raw`, in table order. */
  readonly fields: readonly Field[];
  readonly children?: readonly ChildList[];
}

type Derived = 'table' | 'children' | 'recordKey' | 'normalize';
type Defaulted = 'pageSizeParam' | 'hasNext';

export type IncrementalDeclaration = Omit<IncrementalStream, Derived | Defaulted | 'sort'> &
  Partial<Pick<IncrementalStream, Defaulted | 'sort'>> &
  Shape;
export type FullRefreshDeclaration = Omit<FullRefreshStream, Derived | Defaulted> &
  Partial<Pick<FullRefreshStream, Defaulted>> &
  Shape;

export type DoraSnapshotDeclaration = Omit<DoraSnapshotStream, Derived | Defaulted | 'sort'> &
  Partial<Pick<DoraSnapshotStream, Defaulted | 'sort'>> &
  Shape;

export function defineStream(declaration: IncrementalDeclaration): IncrementalStream;
export function defineStream(declaration: FullRefreshDeclaration): FullRefreshStream;
export function defineStream(declaration: DoraSnapshotDeclaration): DoraSnapshotStream;
export function defineStream(
  declaration: IncrementalDeclaration | FullRefreshDeclaration | DoraSnapshotDeclaration,
): EntityStreamDefinition {
  const { table: tableName, key, fields, children = [], ...endpoint } = declaration;
  const table: TableSpec = {
    schema: 'sei',
    name: tableName,
    key: key.columns,
    columns: [
      ...key.columns.map((column) => keyColumn(column)),
      ...fields.map((field) => ({ name: field.column, type: field.type })),
      RAW_COLUMN,
    ],
  };

  const buildRow = compileRowBuilder(key.columns, fields, { withRaw: true });
  const buildChildren = children.map((child) => ({
    table: child.table,
    build: childRowsBuilder(child, key.columns),
  }));

  function normalize(record: SeiRecord, notes: FieldNotes): NormalizeResult {
    const keyValues = key.read(record);
    if (!keyValues.ok) return reject(keyValues.reason);
    const row = buildRow(record, notes, keyValues.values);
    if (buildChildren.length === 0) return accept(row);
    const childTables: Record<string, Row[]> = {};
    for (const child of buildChildren)
      childTables[child.table] = child.build(record, keyValues.values, notes);
    return accept(row, childTables);
  }

  const common = {
    pageSizeParam: 'page_size',
    hasNext: 'page_full',
    table,
    children: children.map((child) => childTableSpec(child, key.columns)),
    recordKey: (record: SeiRecord) => {
      const values = key.read(record);
      return values.ok ? joinKey(values.values) : undefined;
    },
    normalize,
  } as const;
  if (endpoint.mode === 'incremental') {
    const { cursor } = endpoint;
    return {
      ...common,
      sort: [{ id: cursor.filter.field, desc: cursor.serverOrder === 'desc' }],
      ...endpoint,
    };
  }
  if (endpoint.mode === 'dora_snapshot') return { ...common, sort: [], ...endpoint };
  return { ...common, ...endpoint };
}
