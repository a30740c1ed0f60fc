/**
 * A response body parsed as JSON, with the same result as `JSON.parse(bytes.toString('utf8'))` at
 * about half its CPU (issue 24: decoding and parsing a 1.5 MB Jira page cost 20 ms or more).
 *
 * Why it is slow: one non-ASCII character anywhere (a name with an accent) makes V8 decode the whole
 * body through its slow UTF-8 path into a two-byte string, which JSON.parse then reads more slowly too.
 * Decoding the bytes as Latin-1 instead is a plain copy into a one-byte string; parsed, it gives every
 * string exactly its UTF-8 bytes, one character per byte, and only the strings holding a byte of 0x80
 * or more need decoding again (`Buffer.from(s, 'latin1').toString('utf8')`).
 *
 * That is exact when each of those strings is made of raw bytes only: so it is done only for a body
 * that is valid UTF-8 (otherwise the decoder's U+FFFD replacements are what the record holds) and has
 * no `\u` escape (whose character would be mixed with raw bytes). Every other body, and one nested
 * too deep to walk, is decoded and parsed as before.
 */
import { isAscii, isUtf8 } from 'node:buffer';

/** Deepest nesting the repair walks; a deeper body (hostile) is parsed the ordinary way. */
const MAX_REPAIR_DEPTH = 2000;
const HIGH_BYTE = /[\u0080-\u00ff]/;

class TooDeep extends Error {}

/** Parses `bytes` as JSON. Throws `SyntaxError` as `JSON.parse` does when the body is not JSON. */
export function parseJsonBody(bytes: Buffer): unknown {
  if (isAscii(bytes)) return JSON.parse(bytes.toString('latin1'));
  const latin1 = bytes.toString('latin1');
  if (!latin1.includes('\\u') && isUtf8(bytes)) {
    const value: unknown = JSON.parse(latin1);
    try {
      return repaired(value, 1);
    } catch (error) {
      if (!(error instanceof TooDeep)) throw error;
    }
  }
  return JSON.parse(bytes.toString('utf8'));
}

function utf8Of(latin1: string): string {
  return HIGH_BYTE.test(latin1) ? Buffer.from(latin1, 'latin1').toString('utf8') : latin1;
}

/** `value` with every string (and key) read as UTF-8 bytes decoded; objects are changed in place, or rebuilt when a key changes. */
function repaired(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return utf8Of(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth > MAX_REPAIR_DEPTH) throw new TooDeep();
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const element: unknown = value[i];
      if (typeof element === 'string') {
        if (HIGH_BYTE.test(element)) value[i] = utf8Of(element);
      } else if (typeof element === 'object' && element !== null) {
        value[i] = repaired(element, depth + 1);
      }
    }
    return value;
  }
  const object = value as Record<string, unknown>;
  let keysChange = false;
  for (const key in object) {
    if (HIGH_BYTE.test(key)) keysChange = true;
    const element = object[key];
    if (typeof element === 'string') {
      if (HIGH_BYTE.test(element)) object[key] = utf8Of(element);
    } else if (typeof element === 'object' && element !== null) {
      object[key] = repaired(element, depth + 1);
    }
  }
  if (!keysChange) return object;
  // Same order (a key with such a byte is never an integer key, which V8 would move first); defined,
  // not assigned, so that a key such as "__proto__" stays a plain key.
  return Object.fromEntries(Object.entries(object).map(([key, element]) => [utf8Of(key), element]));
}
