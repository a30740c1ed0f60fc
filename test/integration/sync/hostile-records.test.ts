/**
 * Issue 12 through the real engine, on PostgreSQL and on PGlite: one page mixes clean records with a
 * record per hostile value (the issue's three rows, then every value of its point 2 for each column
 * type). The stream succeeds; every clean record lands untouched; every hostile one lands (made
 * storable, counted, described in sei_sync.sanitized_values) or sits in sei_sync.rejects with its
 * reason.
 */
import { CompiledQuery, type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeiRecord } from '../../../src/extract/sei/types.js';
import { MAX_TYPED_TEXT_BYTES } from '../../../src/normalize/convert.js';
import { normalizeRecord, outcomeKey } from '../../../src/normalize/record.js';
import { MAX_JSON_DEPTH } from '../../../src/normalize/storable-json.js';
import { silentLogger } from '../../../src/observability/logger.js';
import type { Database } from '../../../src/state/schema.js';
import { qualified } from '../../../src/state/sql-text.js';
import { STREAMS } from '../../../src/streams/registry.js';
import type { StreamName } from '../../../src/streams/types.js';
import { createSyncEngine } from '../../../src/sync/engine.js';
import type { StreamRunResult } from '../../../src/sync/types.js';
import { fixedPagesClient } from '../../support/fixed-pages-client.js';
import { canonicalHash } from '../../support/sync-harness.js';
import { openTestWarehouse, type TestWarehouse, WAREHOUSE_KINDS } from '../../support/warehouses.js';
import { JIRA_SAMPLE, jiraRecord, workitemRecord } from '../../unit/streams/records.js';

type HostileStream = Extract<StreamName, 'jira_issues' | 'workitems'>;

interface Case {
  name: string;
  stream: HostileStream;
  /** Fields over the stream's realistic record (which gets a key of its own), or a whole value. */
  fields?: Record<string, unknown>;
  value?: unknown;
  /** Lands: typed columns to check, a check of raw, and the notes (field, action) it leaves. */
  lands?: {
    columns?: Record<string, unknown>;
    raw?: (raw: Record<string, unknown>) => void;
    children?: (rows: Record<string, unknown>[]) => void;
    notes: readonly (readonly [string, string])[];
  };
  /** Sits in sei_sync.rejects with a reason matching this. */
  rejected?: RegExp;
}

const TWO_MB = 2_000_000;

/** `{a: {a: ... leaf}}`, `levels` objects deep. */
function nested(levels: number, leaf: unknown = 'bottom'): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

function depthOf(value: unknown): number {
  let depth = 0;
  let current = value;
  while (current !== null && typeof current === 'object') {
    depth += 1;
    current = Object.values(current)[0];
  }
  return depth;
}

const CASES: readonly Case[] = [
  // The three rows of the issue.
  {
    name: 'a NUL byte in summary',
    stream: 'jira_issues',
    fields: { summary: 'binary \u0000 pasted into Jira' },
    lands: {
      columns: { summary: 'binary \ufffd pasted into Jira' },
      raw: (raw) => expect(raw.summary).toBe('binary \ufffd pasted into Jira'),
      notes: [['summary', 'replaced_characters']],
    },
  },
  {
    name: 'a lone UTF-16 surrogate in a custom field',
    stream: 'jira_issues',
    fields: { custom_fields: { customfield_10020: ['emoji cut \ud83d in half'], customfield_10030: '3.0' } },
    lands: {
      columns: {
        custom_fields: { customfield_10020: ['emoji cut \ufffd in half'], customfield_10030: '3.0' },
      },
      notes: [['custom_fields.customfield_10020[0]', 'replaced_characters']],
    },
  },
  {
    name: 'issue_resolved_at: 1000000000000000 (an absurd instant)',
    stream: 'jira_issues',
    fields: { issue_resolved_at: 1_000_000_000_000_000 },
    lands: {
      columns: { issue_resolved_at: null },
      raw: (raw) => expect(raw.issue_resolved_at).toBe(1_000_000_000_000_000),
      notes: [['issue_resolved_at', 'nulled_out_of_range']],
    },
  },
  // Child rows and nested instants.
  {
    name: 'NUL and absurd instants in a status history entry',
    stream: 'jira_issues',
    fields: { status_list: [{ status: 'DONE\u0000', start_time: -1, end_time: 1e15 }, 'junk'] },
    lands: {
      children: (rows) =>
        expect(rows).toMatchObject([{ status: 'DONE\ufffd', start_time: null, end_time: null }]),
      notes: [
        ['status_list[0].status', 'replaced_characters'],
        ['status_list[0].start_time', 'nulled_out_of_range'],
        ['status_list[0].end_time', 'nulled_out_of_range'],
        ['status_list[1]', 'nulled_wrong_type'],
      ],
    },
  },
  // text
  {
    name: 'an object where text belongs',
    stream: 'workitems',
    fields: { status: { name: 'Active' } },
    lands: { columns: { status: null }, notes: [['status', 'nulled_wrong_type']] },
  },
  {
    name: 'an array where text belongs',
    stream: 'workitems',
    fields: { priority: ['2'] },
    lands: { columns: { priority: null }, notes: [['priority', 'nulled_wrong_type']] },
  },
  {
    name: 'a number where text belongs',
    stream: 'workitems',
    fields: { project: 42 },
    lands: { columns: { project: '42' }, notes: [] },
  },
  {
    name: 'a 2 MB string in an indexed text column',
    stream: 'workitems',
    fields: { assignee: 'a'.repeat(TWO_MB) },
    lands: {
      columns: { assignee: 'a'.repeat(MAX_TYPED_TEXT_BYTES) },
      raw: (raw) => expect(raw.assignee).toHaveLength(TWO_MB),
      notes: [['assignee', 'truncated']],
    },
  },
  // integer
  {
    name: 'a numeric string where an integer belongs',
    stream: 'workitems',
    fields: { desc_size: ' 42 ' },
    lands: { columns: { desc_size: 42 }, notes: [] },
  },
  {
    name: '2^31 where an integer belongs',
    stream: 'workitems',
    fields: { hops: 2 ** 31 },
    lands: { columns: { hops: null }, notes: [['hops', 'nulled_out_of_range']] },
  },
  {
    name: '"NaN" where an integer belongs',
    stream: 'workitems',
    fields: { bounces: 'NaN' },
    lands: { columns: { bounces: null }, notes: [['bounces', 'nulled_unparseable']] },
  },
  {
    name: '"Infinity" where an integer belongs',
    stream: 'workitems',
    fields: { num_attachments: 'Infinity' },
    lands: { columns: { num_attachments: null }, notes: [['num_attachments', 'nulled_unparseable']] },
  },
  {
    name: 'a fraction where an integer belongs',
    stream: 'workitems',
    fields: { desc_size: 3.5 },
    lands: { columns: { desc_size: null }, notes: [['desc_size', 'nulled_wrong_type']] },
  },
  // bigint
  {
    name: '2^63 where a bigint belongs',
    stream: 'workitems',
    fields: { original_estimate: 2 ** 63 },
    lands: { columns: { original_estimate: null }, notes: [['original_estimate', 'nulled_out_of_range']] },
  },
  {
    name: 'a digit string beyond 2^53 where a bigint belongs',
    stream: 'workitems',
    fields: { original_estimate: '9007199254740993' },
    lands: { columns: { original_estimate: null }, notes: [['original_estimate', 'nulled_out_of_range']] },
  },
  {
    name: '2^40 where a bigint belongs',
    stream: 'workitems',
    fields: { original_estimate: 2 ** 40 },
    lands: { columns: { original_estimate: 2 ** 40 }, notes: [] },
  },
  // double precision
  {
    name: '"NaN" where a double belongs',
    stream: 'workitems',
    fields: { story_point: 'NaN' },
    lands: { columns: { story_points: null }, notes: [['story_point', 'nulled_unparseable']] },
  },
  {
    name: '"1e400" where a double belongs',
    stream: 'workitems',
    fields: { story_point: '1e400' },
    lands: { columns: { story_points: null }, notes: [['story_point', 'nulled_out_of_range']] },
  },
  {
    name: 'the largest double',
    stream: 'workitems',
    fields: { story_point: 1.7976931348623157e308 },
    lands: { columns: { story_points: 1.7976931348623157e308 }, notes: [] },
  },
  {
    name: 'a subnormal double',
    stream: 'workitems',
    fields: { story_point: 5e-324 },
    lands: { columns: { story_points: 5e-324 }, notes: [] },
  },
  // boolean
  {
    name: '"TRUE" where a boolean belongs',
    stream: 'workitems',
    fields: { is_active: 'TRUE' },
    lands: { columns: { is_active: true }, notes: [] },
  },
  {
    name: '"yes" where a boolean belongs',
    stream: 'workitems',
    fields: { is_active: 'yes' },
    lands: { columns: { is_active: null }, notes: [['is_active', 'nulled_unparseable']] },
  },
  {
    name: 'an object where a boolean belongs',
    stream: 'workitems',
    fields: { is_active: {} },
    lands: { columns: { is_active: null }, notes: [['is_active', 'nulled_wrong_type']] },
  },
  // timestamptz
  {
    name: 'an ISO-8601 string where epoch seconds belong',
    stream: 'workitems',
    fields: { workitem_created_at: '2021-05-13T19:16:09+02:00' },
    lands: { columns: { workitem_created_at: new Date('2021-05-13T17:16:09Z') }, notes: [] },
  },
  {
    name: 'a negative epoch',
    stream: 'workitems',
    fields: { workitem_resolved_at: -86_400 },
    lands: {
      columns: { workitem_resolved_at: null },
      notes: [['workitem_resolved_at', 'nulled_out_of_range']],
    },
  },
  {
    name: 'milliseconds where seconds belong',
    stream: 'workitems',
    fields: { workitem_due_at: 1_620_926_169_123 },
    lands: { columns: { workitem_due_at: new Date('2021-05-13T17:16:09.123Z') }, notes: [] },
  },
  {
    name: 'nanoseconds where seconds belong',
    stream: 'workitems',
    fields: { first_comment_at: 1.620926169123457e18 },
    lands: { columns: { first_comment_at: null }, notes: [['first_comment_at', 'nulled_out_of_range']] },
  },
  {
    name: 'a year-33658 ISO string',
    stream: 'workitems',
    fields: { ingested_at: '+033658-09-27T01:46:40.000Z' },
    lands: { columns: { ingested_at: null }, notes: [['ingested_at', 'nulled_unparseable']] },
  },
  // text[]
  {
    name: 'objects in a list of text',
    stream: 'workitems',
    fields: { labels: [{ name: 'x' }] },
    lands: { columns: { labels: null }, notes: [['labels', 'nulled_wrong_type']] },
  },
  {
    name: 'a single string where a list belongs',
    stream: 'workitems',
    fields: { labels: 'single' },
    lands: { columns: { labels: ['single'] }, notes: [] },
  },
  {
    name: 'a 2 MB element and a NUL in a list of text',
    stream: 'workitems',
    fields: { sprint_ids: ['nul\u0000inside', 'x'.repeat(TWO_MB)] },
    lands: {
      columns: { sprint_ids: ['nul\ufffdinside', 'x'.repeat(MAX_TYPED_TEXT_BYTES)] },
      notes: [
        ['sprint_ids[0]', 'replaced_characters'],
        ['sprint_ids[1]', 'truncated'],
      ],
    },
  },
  // jsonb
  {
    name: 'a string where an object belongs',
    stream: 'workitems',
    fields: { custom_fields: 'not an object' },
    lands: { columns: { custom_fields: null }, notes: [['custom_fields', 'nulled_wrong_type']] },
  },
  {
    name: 'JSON nested 300 deep',
    stream: 'workitems',
    fields: { attributes: nested(300) },
    lands: {
      raw: (raw) => expect(depthOf(raw.attributes)).toBe(300),
      notes: [],
    },
  },
  {
    name: `JSON nested deeper than ${MAX_JSON_DEPTH} levels`,
    stream: 'workitems',
    fields: { attributes: nested(1500) },
    lands: {
      // The record is level 1 and attributes level 2: the object at level 1001 became null.
      raw: (raw) => expect(depthOf(raw.attributes)).toBe(MAX_JSON_DEPTH - 1),
      notes: [[`attributes${'.a'.repeat(7)} …(${MAX_JSON_DEPTH - 10} levels)… .a.a`, 'removed_too_deep']],
    },
  },
  {
    name: 'NUL and a lone surrogate in object keys',
    stream: 'workitems',
    fields: { custom_fields: { 'cf\u0000x': 1, 'cf\ufffdx': 2, ['\udc00']: 3 } },
    lands: {
      columns: { custom_fields: { 'cf\ufffdx': 2, 'cf\ufffdx\ufffd': 1, '\ufffd': 3 } },
      notes: [
        ['custom_fields.cf\ufffdx\ufffd', 'replaced_key_characters'],
        ['custom_fields.\ufffd', 'replaced_key_characters'],
      ],
    },
  },
  // keys
  {
    name: 'a NUL in the key',
    stream: 'workitems',
    fields: { workitem_id: 'KEY\u0000NUL' },
    lands: { columns: { workitem_id: 'KEY\ufffdNUL' }, notes: [['workitem_id', 'replaced_characters']] },
  },
  {
    name: 'a 2 MB key',
    stream: 'workitems',
    fields: { workitem_id: 'k'.repeat(TWO_MB) },
    rejected: /^key field workitem_id is a string of 2000000 characters/,
  },
  {
    name: 'no key',
    stream: 'workitems',
    fields: { workitem_id: undefined },
    rejected: /^key field workitem_id is missing$/,
  },
  {
    name: 'a string instead of a record',
    stream: 'workitems',
    value: 'a\u0000record',
    rejected: /^record is string/,
  },
  {
    name: 'an array instead of a record',
    stream: 'workitems',
    value: [1, 2],
    rejected: /^record is an array/,
  },
  { name: 'null instead of a record', stream: 'workitems', value: null, rejected: /^record is null/ },
];

const KEY_FIELD: Record<HostileStream, string> = { jira_issues: 'key', workitems: 'workitem_id' };
const REALISTIC: Record<HostileStream, () => SeiRecord> = {
  jira_issues: jiraRecord,
  workitems: workitemRecord,
};

function caseRecord(entry: Case, index: number): unknown {
  if ('value' in entry) return entry.value;
  const record: Record<string, unknown> = {
    ...REALISTIC[entry.stream](),
    [KEY_FIELD[entry.stream]]: `H-${index}`,
    ...entry.fields,
  };
  for (const [field, value] of Object.entries(record)) if (value === undefined) delete record[field];
  return record;
}

/** Clean work items around the hostile ones, and one key sent twice with different contents. */
const CLEAN_WORKITEMS = Array.from({ length: 40 }, (_, i) => ({
  ...workitemRecord(),
  workitem_id: `C-${i}`,
}));
const DUPLICATES = [
  { ...workitemRecord(), workitem_id: 'DUP', summary: 'first version' },
  { ...workitemRecord(), workitem_id: 'DUP', summary: 'second version' },
];

describe.each(WAREHOUSE_KINDS)('hostile records on %s', (kind) => {
  let test: TestWarehouse;
  let db: Kysely<Database>;
  const results = new Map<StreamName, StreamRunResult>();
  const hostile = CASES.map((entry, index) => ({ entry, record: caseRecord(entry, index) }));
  const served: Record<HostileStream, unknown[]> = {
    jira_issues: [
      ...JIRA_SAMPLE,
      ...hostile.filter((h) => h.entry.stream === 'jira_issues').map((h) => h.record),
    ],
    workitems: [
      ...CLEAN_WORKITEMS.slice(0, 20),
      DUPLICATES[0],
      ...hostile.filter((h) => h.entry.stream === 'workitems').map((h) => h.record),
      ...CLEAN_WORKITEMS.slice(20),
      DUPLICATES[1],
    ],
  };

  beforeAll(async () => {
    test = await openTestWarehouse(kind);
    db = test.warehouse.db;
    const engine = createSyncEngine({
      warehouse: test.warehouse,
      client: fixedPagesClient({
        [STREAMS.jira_issues.path]: served.jira_issues,
        [STREAMS.workitems.path]: served.workitems,
      }),
      config: { lookbackSeconds: 86_400, sei: { pageSize: 25, maxPages: 100, requestsPerMinute: 60_000 } },
      logger: silentLogger,
    });
    const runId = await engine.startRun({
      trigger: 'cli',
      streams: ['jira_issues', 'workitems'],
      fullRefresh: false,
    });
    for (const stream of ['jira_issues', 'workitems'] as const)
      results.set(stream, await engine.syncStream({ runId, stream, fullRefresh: false }));
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('succeeds, counting every record, every reject and every sanitized record', async () => {
    for (const stream of ['jira_issues', 'workitems'] as const) {
      const result = results.get(stream);
      if (result?.status !== 'succeeded') throw new Error(`${stream}: ${JSON.stringify(result)}`);
      const cases = CASES.filter((entry) => entry.stream === stream);
      expect(result.counts).toMatchObject({
        records: served[stream].length,
        rejected: cases.filter((entry) => entry.rejected).length,
        sanitized:
          cases.filter((entry) => (entry.lands?.notes.length ?? 0) > 0).length +
          // The string record had its NUL replaced before it was rejected.
          (stream === 'workitems' ? 1 : 0),
      });
      const ledger = await sql<{ sanitized: number; rejected: number }>`
        SELECT sanitized, rejected FROM sei_sync.stream_runs WHERE stream = ${stream}`.execute(db);
      expect(ledger.rows).toEqual([{ sanitized: result.counts.sanitized, rejected: result.counts.rejected }]);
    }
  });

  it('lands every clean record untouched, and notes nothing about it', async () => {
    const jira = await sql<{ issue_key: string; raw: unknown }>`
      SELECT issue_key, raw FROM sei.jira_issues WHERE issue_key NOT LIKE 'H-%'`.execute(db);
    expect(jira.rows).toHaveLength(JIRA_SAMPLE.length);
    const sample = new Map(JIRA_SAMPLE.map((record) => [record.key, canonicalHash(record)]));
    for (const row of jira.rows) expect(canonicalHash(row.raw)).toBe(sample.get(row.issue_key));
    const clean = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM sei.workitems WHERE workitem_id LIKE 'C-%'`.execute(db);
    expect(clean.rows[0]?.n).toBe(CLEAN_WORKITEMS.length);
    const notes = await sql<{ record_key: string }>`
      SELECT record_key FROM sei_sync.sanitized_values
      WHERE record_key NOT LIKE '%:H-%' AND record_key NOT LIKE '%KEY%'`.execute(db);
    expect(notes.rows).toEqual([]);
  });

  it('keeps the last of two records sharing a key', async () => {
    const rows = await sql<{ summary: string }>`
      SELECT summary FROM sei.workitems WHERE workitem_id = 'DUP'`.execute(db);
    expect(rows.rows).toEqual([{ summary: 'second version' }]);
  });

  it.each(hostile.map((h) => [h.entry.name, h] as const))('%s', async (_name, { entry, record }) => {
    const stream = STREAMS[entry.stream];
    const outcome = normalizeRecord(stream, record);
    const recordKey = outcomeKey(stream, outcome);
    if (entry.rejected) {
      const rejects = await sql<{ record_key: string | null; reason: string; raw: unknown }>`
        SELECT record_key, reason, raw FROM sei_sync.rejects WHERE stream = ${entry.stream}`.execute(db);
      const found = rejects.rows.filter((row) => entry.rejected!.test(row.reason));
      expect(found).toHaveLength(1);
      expect(found[0]?.record_key).toBe(recordKey);
      return;
    }
    if (!outcome.ok) throw new Error(`expected to land: ${outcome.reason}`);
    const table = stream.table;
    const key = table.key.map((column) => outcome.row[column]);
    const where = table.key.map((column, i) => `"${column}" = $${i + 1}`).join(' AND ');
    const rows = await db.executeQuery<Record<string, unknown>>(
      CompiledQuery.raw(`SELECT * FROM ${qualified(table.schema, table.name)} WHERE ${where}`, key),
    );
    expect(rows.rows).toHaveLength(1);
    const row = rows.rows[0]!;
    expect(row).toMatchObject(entry.lands?.columns ?? {});
    entry.lands?.raw?.(row.raw as Record<string, unknown>);
    if (entry.lands?.children) {
      const children = await sql<Record<string, unknown>>`
        SELECT status, start_time, end_time FROM sei.jira_issue_status_history
        WHERE integration_id = ${key[0]} AND issue_key = ${key[1]} ORDER BY ordinal`.execute(db);
      entry.lands.children(children.rows);
    }
    const notes = await sql<{ field: string; action: string; run_id: string; sanitized_at: Date }>`
      SELECT field, action, run_id, sanitized_at FROM sei_sync.sanitized_values
      WHERE stream = ${entry.stream} AND record_key = ${recordKey} ORDER BY id`.execute(db);
    expect(notes.rows.map((note) => [note.field, note.action])).toEqual(entry.lands?.notes ?? []);
    for (const note of notes.rows) expect(note.sanitized_at).toBeInstanceOf(Date);
  });
});
