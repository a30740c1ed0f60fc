/**
 * `sei_sync.sanitized_values`: what a sync changed to store each record that PostgreSQL could not hold
 * as SEI sent it (one row per change), written in the page's transaction beside the record itself.
 */
import { CompiledQuery } from 'kysely';
import type { Executor } from './upsert.js';

export interface SanitizedValuesOfRecord {
  recordKey: string | null;
  notes: readonly { field: string; action: string; detail: string }[];
}

/** One statement for the page's notes, inside the page's transaction. */
export async function insertSanitizedValues(
  db: Executor,
  runId: string,
  stream: string,
  records: readonly SanitizedValuesOfRecord[],
): Promise<void> {
  const rows = records.flatMap((record) =>
    record.notes.map((note) => ({
      record_key: record.recordKey,
      field: note.field,
      action: note.action,
      detail: note.detail,
    })),
  );
  if (rows.length === 0) return;
  await db.executeQuery(
    CompiledQuery.raw(
      `INSERT INTO sei_sync.sanitized_values (run_id, stream, record_key, field, action, detail)
       SELECT $1::uuid, $2, r.record_key, r.field, r.action, r.detail
       FROM jsonb_to_recordset($3::jsonb) AS r(record_key text, field text, action text, detail text)`,
      [runId, stream, JSON.stringify(rows)],
    ),
  );
}
