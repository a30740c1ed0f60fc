/**
 * A response body parsed as JSON, with the same result as `JSON.parse(bytes.toString('utf8'))` at
 * about half its CPU (issue 24: decoding and parsing a 1.5 MB Jira page cost 20 ms or more).
 *
 * Why it is slow: one non-ASCII character anywhere (a name with an accent) makes V8 decode the whole
 * body through its slow UTF-8 path into a two-byte string, which JSON.parse then reads more slowly too.
 * Decoding ASCII bytes as Latin-1 instead is a plain copy into a one-byte string.
 *
 * So a body that is valid UTF-8 has each run of its non-ASCII bytes replaced by `\uXXXX` escapes of
 * the characters they encode, then is parsed as ASCII. That is exact because in valid JSON such bytes
 * occur only inside strings, where a character and its escape mean the same; a run right after a
 * backslash (it would complete that backslash's escape) keeps the ordinary way, as does a body that
 * is not valid UTF-8 (the decoder's U+FFFD replacements are what the record holds) or not JSON (its
 * error is the ordinary one). Escaping the few runs costs less than walking every parsed string
 * for them (what this did before: 2 to 3 ms of a 1,000-issue page).
 */
import { isAscii, isUtf8 } from 'node:buffer';

const BACKSLASH = 0x5c;

/** Parses `bytes` as JSON. Throws `SyntaxError` as `JSON.parse` does when the body is not JSON. */
export function parseJsonBody(bytes: Buffer): unknown {
  if (isAscii(bytes)) return JSON.parse(bytes.toString('latin1'));
  if (isUtf8(bytes)) {
    const ascii = escapedNonAscii(bytes);
    if (ascii !== undefined) {
      try {
        return JSON.parse(ascii);
      } catch {
        // Not JSON: the ordinary parse below throws the ordinary error.
      }
    }
  }
  return JSON.parse(bytes.toString('utf8'));
}

/** The UTF-8 `bytes` as ASCII text, non-ASCII characters as `\u` escapes; undefined when a run follows a backslash. */
function escapedNonAscii(bytes: Buffer): string | undefined {
  // Latin-1 gives one character per byte, so the positions of the text are those of the bytes.
  const latin1 = bytes.toString('latin1');
  const nonAscii = /[\u0080-\u00ff]+/g;
  const parts: Buffer[] = [];
  let copied = 0;
  for (let run = nonAscii.exec(latin1); run !== null; run = nonAscii.exec(latin1)) {
    if (bytes[run.index - 1] === BACKSLASH) return undefined;
    parts.push(
      bytes.subarray(copied, run.index),
      Buffer.from(unicodeEscapes(bytes, run.index, nonAscii.lastIndex)),
    );
    copied = nonAscii.lastIndex;
  }
  parts.push(bytes.subarray(copied));
  return Buffer.concat(parts).toString('latin1');
}

/** `\uXXXX` for each UTF-16 code unit of the characters that `bytes[start, end)` encode. */
function unicodeEscapes(bytes: Buffer, start: number, end: number): string {
  const text = bytes.toString('utf8', start, end);
  let escapes = '';
  for (let i = 0; i < text.length; i++) escapes += `\\u${text.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return escapes;
}
