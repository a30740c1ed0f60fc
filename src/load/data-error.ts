/**
 * Which write failures are about the data written, and so can be blamed on particular records, and
 * which are about the database or the process (connection lost, disk full, permission, a serialization
 * failure or deadlock), which must fail the stream so that it is retried later.
 */

/**
 * SQLSTATE classes of data errors: 22 data exception (bad encoding, value out of range, invalid
 * input syntax), 23 integrity constraint violation, 54 program limit exceeded (an index row too
 * large, nesting beyond the stack).
 */
export const DATA_ERROR_SQLSTATE_CLASSES: ReadonlySet<string> = new Set(['22', '23', '54']);

const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * JavaScript's own limits met while serializing the page's rows: a string past V8's maximum length,
 * JSON nested past the stack. Only the data can cause these in the write path.
 */
const SERIALIZATION_LIMITS = /^(?:Invalid string length|Maximum call stack size exceeded)$/;

/** The SQLSTATE of a PostgreSQL error (from `pg` or PGlite), if it has one. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && SQLSTATE.test(code) ? code : undefined;
}

export function isDataError(error: unknown): boolean {
  const state = sqlState(error);
  if (state !== undefined) return DATA_ERROR_SQLSTATE_CLASSES.has(state.slice(0, 2));
  return error instanceof RangeError && SERIALIZATION_LIMITS.test(error.message);
}

/** PostgreSQL's message with its SQLSTATE, one line, e.g. `22P05: unsupported Unicode escape sequence`. */
export function describeDataError(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  const state = sqlState(error);
  return state === undefined ? message : `${state}: ${message}`;
}
