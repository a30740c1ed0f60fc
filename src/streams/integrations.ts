/** `/v1/integrations/list`: one row per connected tool (Jira, GitHub, Jenkins, ...). */
import type { SeiRecord } from '../sei/types.js';
import {
  accept,
  epochSeconds,
  type FieldNotes,
  readKeyFields,
  recordKeyOf,
  reject,
  toBool,
  toJsonObject,
  toText,
  toTextArray,
} from './normalize.js';
import { column, keyColumn, RAW_COLUMN } from './table-spec.js';
import type { IncrementalStream, NormalizeResult, TableSpec } from './types.js';

const KEY_FIELDS = ['id'] as const;

export const integrationsTable: TableSpec = {
  schema: 'sei',
  name: 'integrations',
  key: ['id'],
  columns: [
    keyColumn('id'),
    column('name', 'text'),
    column('description', 'text'),
    column('application', 'text'),
    column('url', 'text'),
    column('status', 'text'),
    column('satellite', 'boolean'),
    column('authentication', 'text'),
    column('tags', 'text[]'),
    column('metadata', 'jsonb'),
    column('created_at', 'timestamptz'),
    column('updated_at', 'timestamptz'),
    RAW_COLUMN,
  ],
};

function normalize(record: SeiRecord, notes: FieldNotes): NormalizeResult {
  const key = readKeyFields(record, KEY_FIELDS);
  if (!key.ok) return reject(key.reason);
  const [id] = key.values;
  return accept({
    id,
    name: toText(record.name, notes, 'name'),
    description: toText(record.description, notes, 'description'),
    application: toText(record.application, notes, 'application'),
    url: toText(record.url, notes, 'url'),
    status: toText(record.status, notes, 'status'),
    satellite: toBool(record.satellite, notes, 'satellite'),
    authentication: toText(record.authentication, notes, 'authentication'),
    tags: toTextArray(record.tags, notes, 'tags'),
    metadata: toJsonObject(record.metadata, notes, 'metadata'),
    // SEI keeps integration times in epoch seconds (its filter takes seconds too); the guard in
    // epochSeconds absorbs milliseconds should a deployment send them.
    created_at: epochSeconds(record.created_at, notes, 'created_at'),
    updated_at: epochSeconds(record.updated_at, notes, 'updated_at'),
    raw: record,
  });
}

/**
 * Cursor: `updated_at`, the time SEI changed the integration (epoch seconds). The server reads its
 * bounds as `Map<String,Integer>` (numbers only) and ignores the sort: it always answers
 * `ORDER BY updatedat DESC`, so the keyset narrows the window from its upper end.
 */
export const integrationsStream: IncrementalStream = {
  name: 'integrations',
  path: '/v1/integrations/list',
  mode: 'incremental',
  integrationColumn: 'id',
  cursor: {
    filter: { field: 'updated_at', boundType: 'number', inclusive: false },
    recordField: 'updated_at',
    recordUnit: 's',
    column: 'updated_at',
    serverOrder: 'desc',
  },
  sort: [{ id: 'updated_at', desc: true }],
  pageSizeParam: 'page_size',
  hasNext: 'page_full',
  table: integrationsTable,
  children: [],
  recordKey: recordKeyOf(KEY_FIELDS),
  normalize,
};
