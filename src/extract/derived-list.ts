/**
 * The rows of a stream whose endpoint is known to be broken (`StreamBase.fallback`: cicd_jobs), derived
 * from a table already synced, as the parts of a whole-list walk: the same normalizer, history and
 * deletions as records from the API. One query, one part; the list is complete by construction.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../state/schema.js';
import type { DerivedFallback, StreamDefinition } from '../streams/types.js';
import { noCost } from './list-request.js';
import { SeiError } from './sei/errors.js';
import type { SeiRecord } from './sei/types.js';
import type { WholeListPart, WholeListResult } from './whole-list-walk.js';

/** The fallback to use when `error` is the broken endpoint's known failure, else undefined. */
export function knownFailure(
  stream: StreamDefinition,
  error: unknown,
): { fallback: DerivedFallback; status: number } | undefined {
  const fallback = stream.fallback;
  if (!fallback || !(error instanceof SeiError) || error.status === undefined) return undefined;
  return fallback.statuses.includes(error.status) ? { fallback, status: error.status } : undefined;
}

/** The derived list of `stream`, read from the warehouse by `fallback.sql`. */
export async function* deriveList(
  db: Kysely<Database>,
  stream: StreamDefinition,
  fallback: DerivedFallback,
): AsyncGenerator<WholeListPart, WholeListResult> {
  const result = await sql<{ record: SeiRecord }>`SELECT d.record FROM (${sql.raw(fallback.sql)}) d`.execute(
    db,
  );
  const records = result.rows.map((row) => row.record);
  const keys = new Set<string>();
  for (const record of records) {
    const key = stream.recordKey(record);
    if (key !== undefined) keys.add(key);
  }
  yield { records, cost: noCost(), stringsKnownStorable: false };
  return { keys, clean: true, reads: 0 };
}
