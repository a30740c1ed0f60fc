/**
 * `text[]` query parameters in PostgreSQL's binary array format, for node-postgres, which sends a
 * Buffer parameter in binary. Given a JS array, node-postgres writes the text literal `{"a","b"}` by
 * concatenating each element, quoted and escaped, onto the literal so far: a string or more per
 * element, 0.7 MiB of a Jira sync's 13 per 1,000 records for the page's key lists (issue 24). Here
 * each element is written once, as UTF-8 with a length, straight into one buffer.
 *
 * Only for a connection of node-postgres (PGlite reads a Buffer as bytea): callers take the encoding
 * from the write path (`WritePath.textArrayParam`). The statement must cast the parameter
 * (`$1::text[]`): the server then reads the binary array as text[]. The elements arrive as exactly
 * the bytes the text literal carried (`Buffer#write` as UTF-8, as node-postgres writes strings).
 *
 * Format (array_send): int32 dimensions (0 for an empty array), int32 has-nulls flag, int32 element
 * type oid; per dimension int32 length and lower bound; per element int32 length (-1 NULL) and bytes.
 */

/** Type oid of `text`. */
const TEXT_OID = 25;

/** The binary `text[]` of `values` (each a string, or null for a NULL element). */
export function binaryTextArray(values: readonly (string | null)[]): Buffer {
  let bytes = 20;
  let nulls = 0;
  for (const value of values) {
    if (value === null) nulls = 1;
    // At most 3 UTF-8 bytes per UTF-16 unit; the buffer is cut to what was written.
    else bytes += 4 + value.length * 3;
  }
  bytes += values.length * 4;
  const buffer = Buffer.allocUnsafe(bytes);
  let at = buffer.writeInt32BE(values.length === 0 ? 0 : 1, 0);
  at = buffer.writeInt32BE(nulls, at);
  at = buffer.writeInt32BE(TEXT_OID, at);
  if (values.length === 0) return buffer.subarray(0, at);
  at = buffer.writeInt32BE(values.length, at);
  at = buffer.writeInt32BE(1, at); // lower bound
  for (const value of values) {
    if (value === null) {
      at = buffer.writeInt32BE(-1, at);
      continue;
    }
    const written = buffer.write(value, at + 4, 'utf8');
    buffer.writeInt32BE(written, at);
    at += 4 + written;
  }
  return buffer.subarray(0, at);
}
