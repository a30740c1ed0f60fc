/**
 * Property-based tests of every normalizer with hostile strings (NUL, lone surrogates, 2 MB), numbers
 * (beyond 2^31 and 2^63, NaN, subnormals, nanosecond epochs), numeric and ISO-8601 strings, and shapes
 * (objects and arrays anywhere, nesting past the limit, non-object records). Whatever comes in, nothing
 * throws, and what comes out is storable as it is: a row whose every column holds a value of its type
 * within PostgreSQL's limits, or a reject with a reason.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Converter,
  epochMillis,
  epochSeconds,
  INSTANT_WINDOW_MS,
  MAX_TYPED_TEXT_BYTES,
  parseIsoInstant,
  toBigInt,
  toBool,
  toInt,
  toJsonArray,
  toJsonObject,
  toNumber,
  toText,
  toTextArray,
} from '../../../src/normalize/convert.js';
import { type FieldNote, NoteList } from '../../../src/normalize/field-notes.js';
import { normalizeRecord } from '../../../src/normalize/record.js';
import {
  isStorableString,
  MAX_JSON_DEPTH,
  repairString,
  storableJson,
} from '../../../src/normalize/storable-json.js';
import { STREAMS } from '../../../src/streams/registry.js';
import type { ColumnSpec, ColumnType } from '../../../src/streams/types.js';
import { REALISTIC_RECORDS } from '../streams/records.js';

const RUNS = { numRuns: 300 };
/**
 * Streams with hand-written parts beside their field list (computed keys, child lists, derived
 * columns, a stable record) get the full runs; the others are made only of the field helpers, whose
 * converters are checked above on every JSON value, so fewer runs per stream say as much.
 */
const CUSTOM_PARTS: ReadonlySet<string> = new Set([
  'jira_issues',
  'org_users',
  'org_units',
  'scm_commits',
  'scm_issues',
  'pagerduty_alerts',
]);
const FIELD_LIST_RUNS = { numRuns: 60 };

// ── Hostile values ─────────────────────────────────────────────────────────────────────────────

/** Pieces of strings: what PostgreSQL refuses, what JSON and SQL escape, and ordinary text. */
const hostileUnit = fc.oneof(
  fc.constantFrom(
    '\u0000',
    '\ud800',
    '\udbff',
    '\udc00',
    '\udfff',
    '\ud83d\ude00',
    '\ufffd',
    '"',
    '\\',
    "'",
    '{',
    ',',
  ),
  fc.string({ unit: 'binary', maxLength: 1 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 3 }),
);
const hostileString = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: hostileUnit, maxLength: 12 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'NaN',
      'Infinity',
      '-Infinity',
      '0x10',
      '1e400',
      ' 42 ',
      '',
      '  ',
      '2021-05-13T17:16:09Z',
      '2021-02-30',
      '+033658-09-27T01:46:40Z',
      '9223372036854775808',
      'true',
      'FALSE',
    ),
  },
  { weight: 1, arbitrary: fc.date({ noInvalidDate: true }).map((date) => date.toISOString()) },
  { weight: 1, arbitrary: fc.double().map(String) },
);
/** A long string, built once (2 MB strings are expensive to generate per run). */
const TWO_MB = `x\u0000${'y'.repeat(2_000_000)}\ud800`;
const hostileNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(
    0,
    -1,
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 53 + 2,
    2 ** 63,
    1e11,
    1e15,
    1.620926169123457e18,
    5e-324,
    Number.MAX_VALUE,
    Date.UTC(10000, 0, 1),
  ),
);

function nested(levels: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? { a: value } : [value];
  return value;
}

const { hostileJson } = fc.letrec((tie) => ({
  hostileJson: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('hostileJson'), { maxLength: 4 }),
    fc.dictionary(hostileString, tie('hostileJson'), { maxKeys: 4 }),
  ),
}));
const hostileValue = fc.oneof(
  { weight: 12, arbitrary: hostileJson },
  { weight: 1, arbitrary: fc.constantFrom(TWO_MB, nested(MAX_JSON_DEPTH + 20), nested(300)) },
);

// ── What storable means, per column type ────────────────────────────────────────────────────────
// Each check lists what is wrong (empty when nothing is) and is asserted with one `expect`: a property
// runs hundreds of records of dozens of columns, and an `expect` per value was most of its time.

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function jsonDepth(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + children.reduce((max: number, child) => Math.max(max, jsonDepth(child)), 0);
}

/** Why `value` is not storable JSON: an unstorable string or key, nesting past the limit, no JSON text. */
function jsonProblems(value: unknown): string[] {
  const problems: string[] = [];
  const visit = (item: unknown): void => {
    if (typeof item === 'string') {
      if (!isStorableString(item)) problems.push(`unstorable string ${JSON.stringify(item.slice(0, 40))}`);
    } else if (Array.isArray(item)) item.forEach(visit);
    else if (item !== null && typeof item === 'object')
      for (const [key, child] of Object.entries(item)) {
        if (!isStorableString(key)) problems.push(`unstorable key ${JSON.stringify(key.slice(0, 40))}`);
        visit(child);
      }
  };
  visit(value);
  const depth = jsonDepth(value);
  if (depth > MAX_JSON_DEPTH) problems.push(`nested ${depth} deep`);
  try {
    JSON.stringify(value);
  } catch (error) {
    problems.push(`JSON.stringify throws: ${String(error)}`);
  }
  return problems;
}

function expectStorableJson(value: unknown): void {
  expect(jsonProblems(value)).toEqual([]);
}

/**
 * Why `value` is not what a column of `type` can store (its type, within PostgreSQL's and our limits;
 * null allowed), or undefined when it is.
 */
function misfit(type: ColumnType, value: unknown, options: { storableText: boolean }): string | undefined {
  if (value === null) return undefined;
  const textMisfit = (item: unknown): string | undefined => {
    if (typeof item !== 'string') return `not a string: ${typeof item}`;
    if (utf8Bytes(item) > MAX_TYPED_TEXT_BYTES) return `${utf8Bytes(item)} bytes of text`;
    if (options.storableText && !isStorableString(item)) return 'unstorable text';
    return undefined;
  };
  const ok = (fits: boolean) => (fits ? undefined : `not a ${type}: ${String(value).slice(0, 40)}`);
  switch (type) {
    case 'text':
      return textMisfit(value);
    case 'integer':
      return ok(Number.isInteger(value) && (value as number) >= -(2 ** 31) && (value as number) < 2 ** 31);
    case 'bigint':
      return ok(Number.isSafeInteger(value));
    case 'double precision':
      return ok(typeof value === 'number' && Number.isFinite(value));
    case 'boolean':
      return ok(typeof value === 'boolean');
    case 'timestamptz':
      // Epoch milliseconds (`EpochMs`), whole, as a Date would hold them.
      return ok(
        Number.isSafeInteger(value) &&
          (value as number) > INSTANT_WINDOW_MS.after &&
          (value as number) < INSTANT_WINDOW_MS.before,
      );
    case 'text[]':
      if (!Array.isArray(value)) return ok(false);
      return value.map(textMisfit).find((problem) => problem !== undefined);
    case 'jsonb':
      if (typeof value !== 'object') return ok(false);
      return options.storableText ? jsonProblems(value)[0] : undefined;
  }
}

function expectRow(columns: readonly ColumnSpec[], row: Record<string, unknown>): void {
  const problems: string[] = [];
  for (const column of columns) {
    const value = row[column.name] ?? null;
    if (column.notNull && value === null) problems.push(`${column.name}: null`);
    const problem = misfit(column.type, value, { storableText: true });
    if (problem !== undefined) problems.push(`${column.name}: ${problem}`);
  }
  expect(problems).toEqual([]);
}

function expectNotes(notes: readonly FieldNote[]): void {
  const problems = notes.filter(
    (note) => !isStorableString(note.field) || !isStorableString(note.detail) || note.detail.length >= 200,
  );
  expect(problems).toEqual([]);
}

// ── Properties ───────────────────────────────────────────────────────────────────────────────────

const CONVERTERS: readonly [string, Converter<unknown>, ColumnType][] = [
  ['toText', toText, 'text'],
  ['toInt', toInt, 'integer'],
  ['toBigInt', toBigInt, 'bigint'],
  ['toNumber', toNumber, 'double precision'],
  ['toBool', toBool, 'boolean'],
  ['epochSeconds', epochSeconds, 'timestamptz'],
  ['epochMillis', epochMillis, 'timestamptz'],
  ['toTextArray', toTextArray, 'text[]'],
  ['toJsonObject', toJsonObject, 'jsonb'],
  ['toJsonArray', toJsonArray, 'jsonb'],
];

describe.each(CONVERTERS)('%s survives every JSON value', (_name, convert, type) => {
  it('never throws; gives a value its column takes, or NULL; its notes are storable', () => {
    fc.assert(
      fc.property(hostileValue, (value) => {
        const notes = new NoteList();
        const result = convert(value, notes, 'field');
        // Strings are made storable for the whole record before converters run (normalizeRecord).
        expect(misfit(type, result, { storableText: false })).toBeUndefined();
        expectNotes(notes.notes);
        // NULL without a note only for what means "not set".
        if (result === null && notes.notes.length === 0)
          expect([null, undefined, '', 0, '0'].includes(value as never) || String(value).trim() === '').toBe(
            true,
          );
      }),
      RUNS,
    );
  });
});

describe.each(Object.values(STREAMS).map((stream) => [stream.name, stream] as const))(
  'normalizeRecord(%s) survives every record',
  (name, stream) => {
    const realistic = REALISTIC_RECORDS[name]();
    const fields = [
      ...new Set([
        ...Object.keys(realistic),
        ...stream.table.columns.map((column) => column.name),
        'status_list',
        'assignee_list',
        'story_point',
        'component_list',
        'files_ct',
        'cicd_integration_id',
        'default_section',
        'sections',
      ]),
    ];
    /** The realistic record with some fields (keys included) replaced by hostile values. */
    const hostileRecord = fc
      .dictionary(fc.constantFrom(...fields), hostileValue, { maxKeys: 6 })
      .map((overrides) => ({ ...realistic, ...overrides }));
    const anything = fc.oneof(
      { weight: 9, arbitrary: hostileRecord },
      { weight: 1, arbitrary: hostileValue },
    );

    it('gives a storable row with storable child rows, or a storable reject with its reason', () => {
      fc.assert(
        fc.property(anything, (record) => {
          const outcome = normalizeRecord(stream, record);
          expectNotes(outcome.notes);
          expectStorableJson(outcome.record);
          if (!outcome.ok) {
            expect(outcome.reason.length).toBeGreaterThan(0);
            expect(isStorableString(outcome.reason)).toBe(true);
            return;
          }
          expectRow(stream.table.columns, outcome.row);
          expect(outcome.row.raw).toBe(outcome.record);
          for (const child of stream.children)
            for (const row of outcome.children[child.name] ?? []) expectRow(child.columns, row);
        }),
        CUSTOM_PARTS.has(name) ? RUNS : FIELD_LIST_RUNS,
      );
    });

    it('changes nothing in a record that is storable as sent', () => {
      const outcome = normalizeRecord(stream, realistic);
      expect(outcome).toMatchObject({ ok: true, notes: [] });
      // Only a field the server fills with the request's own time is left out (PagerDuty alerts).
      if (stream.stableRecord) expect(outcome.record).toEqual(stream.stableRecord(realistic));
      else expect(outcome.record).toBe(realistic);
    });
  },
);

describe('storable strings and JSON', () => {
  it('repairString replaces exactly the unstorable code units, one for one', () => {
    fc.assert(
      fc.property(fc.string({ unit: hostileUnit }), (text) => {
        const { text: repaired, nul, loneSurrogates } = repairString(text);
        expect(isStorableString(repaired)).toBe(true);
        expect(repaired).toHaveLength(text.length);
        if (isStorableString(text)) expect(repaired).toBe(text);
        else expect(nul + loneSurrogates).toBeGreaterThan(0);
      }),
      RUNS,
    );
  });

  it('storableJson is storable, idempotent, and returns storable values themselves', () => {
    fc.assert(
      fc.property(hostileValue, (value) => {
        const notes = new NoteList();
        const once = storableJson(value, notes);
        expectStorableJson(once);
        expectNotes(notes.notes);
        const again = new NoteList();
        expect(storableJson(once, again)).toBe(once);
        expect(again.notes).toEqual([]);
      }),
      RUNS,
    );
  });

  it('parseIsoInstant reads back every instant of 1970-9999 that toISOString writes', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date(1), max: new Date(INSTANT_WINDOW_MS.before - 1), noInvalidDate: true }),
        (date) => {
          expect(parseIsoInstant(date.toISOString())).toBe(date.getTime());
        },
      ),
      RUNS,
    );
  });
});
