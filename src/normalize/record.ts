/**
 * The whole of normalizing one record, pure and total: whatever JSON value comes in, out comes either
 * a storable row with the notes of what had to change, or a storable reject with its reason. Never an
 * error: a bug in a stream's normalizer on one odd record becomes that record's reject.
 *
 *   1. a value that is not an object is rejected;
 *   2. the record is made storable (./storable-json.ts: NUL and lone surrogates, depth), with notes;
 *   3. the stream's `normalize` converts it, adding notes of its own (./normalize.ts).
 */
import type { SeiRecord } from '../extract/sei/types.js';
import type { EntityStreamDefinition, Row } from '../streams/types.js';
import { type FieldNote, NoteList } from './field-notes.js';
import { type StorableOptions, storableJson, storableString } from './storable-json.js';

/** Longest reason kept for a reject (a normalizer's error message may quote anything). */
export const MAX_REASON_LENGTH = 500;

export type RecordOutcome =
  | {
      readonly ok: true;
      /** The record as stored in `raw` (the same object SEI sent, unless something had to change). */
      readonly record: SeiRecord;
      readonly row: Row;
      readonly children: Readonly<Record<string, readonly Row[]>>;
      readonly notes: readonly FieldNote[];
    }
  | {
      readonly ok: false;
      /** The value as stored in `sei_sync.rejects.raw`. */
      readonly record: unknown;
      readonly reason: string;
      readonly notes: readonly FieldNote[];
    };

function describeShape(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : typeof value;
}

/** A reason that can be stored and read on one screen. */
export function storableReason(reason: string): string {
  const cut = reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH)}…` : reason;
  return storableString(cut);
}

export function normalizeRecord(
  stream: EntityStreamDefinition,
  value: unknown,
  options: StorableOptions = {},
): RecordOutcome {
  const notes = new NoteList();
  const record = storableJson(value, notes, options);
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    return {
      ok: false,
      record,
      reason: `record is ${describeShape(record)}, not an object`,
      notes: notes.notes,
    };
  }
  try {
    const seiRecord = stream.stableRecord ? stream.stableRecord(record as SeiRecord) : (record as SeiRecord);
    const result = stream.normalize(seiRecord, notes);
    return result.ok
      ? { ok: true, record: seiRecord, row: result.row, children: result.children, notes: notes.notes }
      : { ok: false, record: seiRecord, reason: storableReason(result.reason), notes: notes.notes };
  } catch (error) {
    // A normalizer bug on one odd record must not stop the sync; keep the record for inspection.
    const message = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      record,
      reason: storableReason(`normalizer error: ${message}`),
      notes: notes.notes,
    };
  }
}

/**
 * `stream.recordKey` for any JSON value a page may hold: a value that is not an object (`null` in
 * `records`, say) has no key, instead of making the caller (the walker's duplicate check) throw.
 */
export function recordKeyOfValue(stream: EntityStreamDefinition, value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  try {
    return stream.recordKey(value as SeiRecord);
  } catch {
    return undefined;
  }
}

/** The record's key as `recordKey` gives it (for rejects and notes), or null when it has none. */
export function outcomeKey(stream: EntityStreamDefinition, outcome: RecordOutcome): string | null {
  return recordKeyOfValue(stream, outcome.record) ?? null;
}
