/**
 * The exact comparison every benchmark and fault scenario ends with: the live rows of each `sei`
 * table against what the simulator serves now, by key and by a canonical hash of the raw record.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { normalizeRecord } from '../../src/normalize/record.js';
import type { SimulatorDataset } from '../../src/simulator/types.js';
import { keyText, qualified } from '../../src/state/sql-text.js';
import { STREAMS } from '../../src/streams/registry.js';
import type { StreamName } from '../../src/streams/types.js';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(object)
        .sort()
        .map((key) => [key, canonical(object[key])]),
    );
  }
  return value;
}

/** md5 of a JSON value with object keys sorted, so that key order never matters. */
export function canonicalHash(value: unknown): string {
  return createHash('md5')
    .update(JSON.stringify(canonical(value)))
    .digest('hex');
}

/** Key → canonical hash of every record a complete walk of `stream` must load now. */
export function expectedHashes(dataset: SimulatorDataset, stream: StreamName): Map<string, string> {
  const definition = STREAMS[stream];
  const expected = new Map<string, string>();
  for (const record of dataset.records(stream)) {
    // A time-range filter cannot select a record without the cursor field (a CI/CD run still in
    // progress has no end_time): incremental streams pick such records up once they have one.
    if (definition.mode === 'incremental' && !record[definition.cursor.recordField]) continue;
    const normalized = normalizeRecord(definition, record);
    if (!normalized.ok) continue;
    // The record as stored: a hostile one lands with its unstorable characters replaced.
    expected.set(keyText(normalized.row, definition.table.key), canonicalHash(normalized.record));
  }
  return expected;
}

/**
 * What a derived stream's table must hold (cicd_jobs, whose endpoint fails in the server's code):
 * its derivation (`fallback.sql`) over the tables synced, normalized like the sync does, key → hash.
 * The simulator's dataset says nothing about it; its source table is compared with the dataset on
 * its own, and the derivation's meaning is tested against the dataset in the sync tests.
 */
export async function derivedHashes(
  query: (text: string) => Promise<readonly { record: unknown }[]>,
  stream: StreamName,
): Promise<Map<string, string> | undefined> {
  const definition = STREAMS[stream];
  if (!definition.fallback) return undefined;
  const expected = new Map<string, string>();
  for (const { record } of await query(`SELECT d.record FROM (${definition.fallback.sql}) d`)) {
    const normalized = normalizeRecord(definition, record);
    if (normalized.ok)
      expected.set(keyText(normalized.row, definition.table.key), canonicalHash(normalized.record));
  }
  return expected;
}

export interface TableDiff {
  stream: StreamName;
  expected: number;
  actual: number;
  missing: number;
  unexpected: number;
  different: number;
  /** A few keys of each kind, for the report. */
  examples: string[];
}

export const diffIsClean = (diff: TableDiff): boolean =>
  diff.missing === 0 && diff.unexpected === 0 && diff.different === 0 && diff.expected === diff.actual;

/**
 * Compares the live rows of the stream's table with `expected` (from `expectedHashes`); a derived
 * stream is compared with its derivation instead (`derivedHashes`).
 */
export async function diffTable(
  client: pg.Client,
  stream: StreamName,
  fromDataset: ReadonlyMap<string, string>,
): Promise<TableDiff> {
  const expected =
    (await derivedHashes(async (text) => (await client.query<{ record: unknown }>(text)).rows, stream)) ??
    fromDataset;
  const table = STREAMS[stream].table;
  const result = await client.query<Record<string, unknown>>(
    `SELECT ${table.key.map((k) => `"${k}"`).join(', ')}, raw FROM ${qualified(table.schema, table.name)} WHERE deleted_at IS NULL`,
  );
  const examples: string[] = [];
  let unexpected = 0;
  let different = 0;
  const seen = new Set<string>();
  for (const row of result.rows) {
    const key = keyText(row, table.key);
    seen.add(key);
    const want = expected.get(key);
    if (want === undefined) {
      unexpected += 1;
      if (examples.length < 5) examples.push(`unexpected ${key}`);
    } else if (want !== canonicalHash(row.raw)) {
      different += 1;
      if (examples.length < 5) examples.push(`different ${key}`);
    }
  }
  let missing = 0;
  for (const key of expected.keys())
    if (!seen.has(key)) {
      missing += 1;
      if (examples.length < 5) examples.push(`missing ${key}`);
    }
  return {
    stream,
    expected: expected.size,
    actual: result.rows.length,
    missing,
    unexpected,
    different,
    examples,
  };
}
