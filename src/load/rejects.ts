/** Records that could not be normalized: kept with their reason, never dropped silently. */
import { CompiledQuery } from 'kysely';
import type { Executor } from './upsert.js';

export interface RejectRow {
  recordKey: string | null;
  reason: string;
  raw: unknown;
}

/** One statement for the page's rejects, inside the page's transaction. */
export async function insertRejects(
  db: Executor,
  runId: string,
  stream: string,
  rejects: readonly RejectRow[],
): Promise<void> {
  if (rejects.length === 0) return;
  const rows = rejects.map((reject) => ({
    record_key: reject.recordKey,
    reason: reject.reason,
    raw: reject.raw ?? null,
  }));
  await db.executeQuery(
    CompiledQuery.raw(
      `INSERT INTO sei_sync.rejects (run_id, stream, record_key, reason, raw)
       SELECT $1::uuid, $2, r.record_key, r.reason, r.raw
       FROM jsonb_to_recordset($3::jsonb) AS r(record_key text, reason text, raw jsonb)`,
      [runId, stream, JSON.stringify(rows)],
    ),
  );
}

/** Distinct records of `stream` ever rejected (by key, or by content when they have none). */
export async function countRejectedRecords(db: Executor, stream: string): Promise<number> {
  const result = await db.executeQuery<{ n: number }>(
    CompiledQuery.raw(
      `SELECT count(DISTINCT coalesce(record_key, md5(raw::text)))::int AS n FROM sei_sync.rejects WHERE stream = $1`,
      [stream],
    ),
  );
  return result.rows[0]?.n ?? 0;
}
