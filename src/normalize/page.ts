/**
 * Turns one page of raw records into what the page writes: rows and child rows, rejects with their
 * reason, and the notes of every record that had to change to be stored. A record that cannot be
 * normalized becomes a reject: it never fails the page, and it is never dropped silently.
 */

import { keyText } from '../state/sql-text.js';
import type { EntityStreamDefinition, Row } from '../streams/types.js';
import type { FieldNote } from './field-notes.js';
import { normalizeRecord, outcomeKey, type RecordOutcome } from './record.js';
import type { StorableOptions } from './storable-json.js';

export interface PageReject {
  recordKey: string | null;
  reason: string;
  raw: unknown;
}

/** A record stored (as a row or as a reject) with values changed on the way: what and where. */
export interface SanitizedRecord {
  recordKey: string | null;
  notes: readonly FieldNote[];
}

/** What a page (or a part of one) writes. */
export interface PageContent {
  /**
   * Each record's outcome, in page order; of records sharing a key only the last is kept (the upsert
   * keeps the last too, so the others never land). The unit a failed write is bisected by.
   */
  records: readonly RecordOutcome[];
  rows: Row[];
  /** Child table name → rows of every normalized parent on the page. */
  childRows: Record<string, Row[]>;
  rejects: PageReject[];
  sanitized: SanitizedRecord[];
}

export interface NormalizedPage extends PageContent {
  /** The key of every row (`keyText` of the table key), to tell which pages touch the same rows. */
  keys: ReadonlySet<string>;
}

export function normalizePage(
  stream: EntityStreamDefinition,
  records: readonly unknown[],
  options: StorableOptions = {},
): NormalizedPage {
  const outcomes = records.map((record) => normalizeRecord(stream, record, options));
  const { kept, keys } = lastOfEachKey(stream, outcomes);
  return { ...pageOf(stream, kept), keys };
}

/** The rows, child rows, rejects and notes of `records` (a page, or a part of one being bisected). */
export function pageOf(stream: EntityStreamDefinition, records: readonly RecordOutcome[]): PageContent {
  const rows: Row[] = [];
  const childRows: Record<string, Row[]> = Object.fromEntries(
    stream.children.map((child) => [child.name, []]),
  );
  const rejects: PageReject[] = [];
  const sanitized: SanitizedRecord[] = [];
  for (const outcome of records) {
    // Keys are looked up only for records that need one on file (rejects and notes).
    const recordKey = outcome.ok && outcome.notes.length === 0 ? null : outcomeKey(stream, outcome);
    if (outcome.notes.length > 0) sanitized.push({ recordKey, notes: outcome.notes });
    if (!outcome.ok) {
      rejects.push({ recordKey, reason: outcome.reason, raw: outcome.record });
      continue;
    }
    rows.push(outcome.row);
    // for-in, not Object.entries: no arrays of pairs per record (the object is a plain literal).
    for (const name in outcome.children) {
      const children = outcome.children[name]!;
      const bucket = childRows[name];
      if (bucket === undefined)
        throw new Error(`stream ${stream.name} produced rows for unknown child table ${name}`);
      for (const child of children) bucket.push(child);
    }
  }
  return { records, rows, childRows, rejects, sanitized };
}

/**
 * Drops rows whose key comes again later on the page (pages shifted under the walk, or SEI sending
 * one issue twice with different contents), and returns the keys of the rows. The page is copied
 * only when a key repeats.
 */
function lastOfEachKey(
  stream: EntityStreamDefinition,
  outcomes: readonly RecordOutcome[],
): { kept: readonly RecordOutcome[]; keys: Set<string> } {
  const key = stream.table.key;
  const keys = new Set<string>();
  let repeated = false;
  for (const outcome of outcomes) {
    if (!outcome.ok) continue;
    const text = keyText(outcome.row, key);
    if (keys.has(text)) repeated = true;
    else keys.add(text);
  }
  if (!repeated) return { kept: outcomes, keys };
  const lastIndex = new Map<string, number>();
  outcomes.forEach((outcome, index) => {
    if (outcome.ok) lastIndex.set(keyText(outcome.row, key), index);
  });
  const kept = outcomes.filter(
    (outcome, index) => !outcome.ok || lastIndex.get(keyText(outcome.row, key)) === index,
  );
  return { kept, keys };
}
