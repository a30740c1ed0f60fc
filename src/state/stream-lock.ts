/**
 * "The same stream never runs twice at once", enforced by the database, across every process.
 *
 * A PostgreSQL session advisory lock on a connection held for the whole stream run: if the process is
 * killed (SIGKILL, OOM, a lost machine), its connection drops and PostgreSQL releases the lock at once,
 * so a rerun never waits for a lease to expire. PGlite is one process by construction (its data
 * directory cannot be shared), so there an in-process set is the whole guard.
 */

import { sql } from 'kysely';
import { SYNC_ERROR_CODES } from '../errors.js';
import type { Warehouse } from './open.js';

/** First half of the two-key advisory lock: "sei-sync stream locks" (the migration lock uses another). */
const STREAM_LOCK_CLASS = 0x5e15_0002;

export class StreamBusyError extends Error {
  readonly code = SYNC_ERROR_CODES.streamBusy;
  constructor(stream: string) {
    super(`${stream} is being synced by another process; try again later`);
    this.name = 'StreamBusyError';
  }
}

const heldInThisProcess = new WeakMap<Warehouse, Set<string>>();

/**
 * Runs `fn` while holding the stream's lock; throws `StreamBusyError` at once when someone else holds it.
 */
export async function withStreamLock<T>(
  warehouse: Warehouse,
  stream: string,
  fn: () => Promise<T>,
): Promise<T> {
  let held = heldInThisProcess.get(warehouse);
  if (!held) {
    held = new Set();
    heldInThisProcess.set(warehouse, held);
  }
  if (held.has(stream)) throw new StreamBusyError(stream);
  held.add(stream);
  try {
    if (warehouse.kind === 'pglite') return await fn();
    return await warehouse.lockDb.connection().execute(async (connection) => {
      const locked = await sql<{ locked: boolean }>`
        SELECT pg_try_advisory_lock(${STREAM_LOCK_CLASS}, hashtext(${stream})) AS locked`.execute(connection);
      if (!locked.rows[0]?.locked) throw new StreamBusyError(stream);
      try {
        return await fn();
      } finally {
        // If the connection itself died, the server has already released the lock.
        await sql`SELECT pg_advisory_unlock(${STREAM_LOCK_CLASS}, hashtext(${stream}))`
          .execute(connection)
          .catch(() => {});
      }
    });
  } finally {
    held.delete(stream);
  }
}
