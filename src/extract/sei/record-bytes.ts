/**
 * Each record's JSON text as SEI sent it, kept beside the parsed record, so that the write path can
 * send and hash those bytes as the raw record instead of serializing the parsed value again
 * (`JSON.stringify` and its UTF-8 encoding were about a tenth of the sync's CPU, issue 24).
 *
 * A record's bytes are kept only when they are EXACTLY what `JSON.stringify` of the parsed record would
 * give in UTF-8 ("canonical" below): the stored `raw`, the COPY data and `row_hash` are then the same
 * bytes the serializing path produces, so rows stored by either path compare equal by hash and an
 * upgrade rewrites nothing. Canonical means: no whitespace between tokens; strings escaped the way
 * `JSON.stringify` escapes them (`\"`, `\\`, `\b\f\n\r\t`, other control characters as lowercase
 * `\u00xx`, nothing else escaped); numbers written as JavaScript writes them; no object key made of
 * digits only (V8 moves such keys to the front of an object). A record that is not canonical (a server
 * that writes `1.0`, `\/` or `\u00E9`, say) simply takes the serializing path. Duplicate keys are
 * not looked for: `JSON.parse` and `jsonb` both keep the last value, so the stored value is the same
 * either way and only the hash differs from the serializing path's (a filter; the upsert then compares
 * by content).
 *
 * The bytes are a view of the response body (no copy), registered by record object: a record that
 * normalizing had to change (a NUL, a lone surrogate, nesting too deep, `stableRecord`) is a new object,
 * has no bytes, and is serialized from what it became.
 */
import { isUtf8 } from 'node:buffer';

const recordBytes = new WeakMap<object, Buffer>();

/** The canonical JSON bytes of `record` as SEI sent it, when known (see the module comment). */
export function recordBytesOf(record: object): Buffer | undefined {
  return recordBytes.get(record);
}

/**
 * Notes the bytes of each canonical record of `records`, the `records` array that `JSON.parse` of
 * `body` gave. Does nothing for a body that is not valid UTF-8 (its decoded text differs from its bytes)
 * or whose array it cannot find with as many elements.
 */
export function noteRecordBytes(body: Buffer, records: readonly unknown[]): void {
  if (records.length === 0 || !isUtf8(body)) return;
  const ranges = recordRanges(body);
  if (ranges === undefined || ranges.length !== records.length * 2) return;
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    const start = ranges[2 * i]!;
    if (start < 0 || record === null || typeof record !== 'object') continue;
    recordBytes.set(record, body.subarray(start, ranges[2 * i + 1]!));
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
/** Longest integer written the same by every serializer: below 2^53, so JavaScript prints its digits. */
const PLAIN_INTEGER_DIGITS = 15;
const RECORDS_KEY = Buffer.from('"records"');

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function skipWhitespace(bytes: Buffer, at: number): number {
  while (at < bytes.length && isWhitespace(bytes[at]!)) at++;
  return at;
}

/**
 * Start and end of each element of the top-level `records` array, flattened ([start0, end0, start1,
 * ...]); a start of -1 marks an element that is not canonical. Undefined when the body is not an object
 * holding such an array. The body is valid JSON (`JSON.parse` read it first), so only the structure is
 * followed, not checked.
 */
function recordRanges(bytes: Buffer): number[] | undefined {
  let at = skipWhitespace(bytes, 0);
  if (bytes[at] !== OPEN_BRACE) return undefined;
  let ranges: number[] | undefined;
  at = skipWhitespace(bytes, at + 1);
  while (at < bytes.length && bytes[at] === QUOTE) {
    const keyStart = at;
    at = stringEnd(bytes, at);
    const isRecords = bytes.compare(RECORDS_KEY, 0, RECORDS_KEY.length, keyStart, at) === 0;
    at = skipWhitespace(bytes, at);
    if (bytes[at] !== COLON) return undefined;
    at = skipWhitespace(bytes, at + 1);
    if (isRecords && bytes[at] === OPEN_BRACKET) {
      // A repeated key: JSON.parse keeps the last one, and so does this.
      ranges = [];
      at = skipWhitespace(bytes, at + 1);
      while (bytes[at] !== CLOSE_BRACKET) {
        const end = valueEnd(bytes, at);
        ranges.push(canonical ? at : -1, end);
        at = skipWhitespace(bytes, end);
        if (bytes[at] === COMMA) at = skipWhitespace(bytes, at + 1);
        else if (bytes[at] !== CLOSE_BRACKET) return undefined;
      }
      at += 1;
    } else {
      at = valueEnd(bytes, at);
    }
    at = skipWhitespace(bytes, at);
    if (bytes[at] === COMMA) at = skipWhitespace(bytes, at + 1);
  }
  return ranges;
}

/** Whether the last value `valueEnd` passed over was canonical. */
let canonical = true;

/** The end (exclusive) of the JSON value at `at`; sets `canonical`. Iterative: nesting has no limit here. */
function valueEnd(bytes: Buffer, at: number): number {
  canonical = true;
  let depth = 0;
  // After `{` or `,` inside an object the next string is a key.
  let keyNext = false;
  const objects: boolean[] = [];
  do {
    const byte = bytes[at]!;
    if (byte === QUOTE) {
      const end = keyNext ? keyEnd(bytes, at) : stringEnd(bytes, at);
      keyNext = false;
      at = end;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      objects[depth++] = byte === OPEN_BRACE;
      keyNext = byte === OPEN_BRACE;
      at++;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth--;
      keyNext = false;
      at++;
    } else if (byte === COMMA) {
      keyNext = objects[depth - 1] === true;
      at++;
    } else if (byte === COLON) {
      at++;
    } else if (byte === MINUS || (byte >= DIGIT_0 && byte <= DIGIT_9)) {
      at = numberEnd(bytes, at);
    } else if (isWhitespace(byte)) {
      canonical = false;
      at++;
    } else {
      // true, false, null: letters up to the next delimiter.
      at++;
      while (at < bytes.length && bytes[at]! >= 0x61 && bytes[at]! <= 0x7a) at++;
    }
  } while (depth > 0 && at < bytes.length);
  return at;
}

/** The end of the key string at `at`; a key of digits only is not canonical (V8 reorders it). */
function keyEnd(bytes: Buffer, at: number): number {
  const end = stringEnd(bytes, at);
  let digitsOnly = end - at > 2;
  for (let i = at + 1; digitsOnly && i < end - 1; i++) {
    const byte = bytes[i]!;
    digitsOnly = byte >= DIGIT_0 && byte <= DIGIT_9;
  }
  if (digitsOnly) canonical = false;
  return end;
}

/** The end of the string at `at` (past its closing quote); clears `canonical` on an escape JSON.stringify would not write. */
function stringEnd(bytes: Buffer, at: number): number {
  at++;
  while (at < bytes.length) {
    const byte = bytes[at]!;
    if (byte === QUOTE) return at + 1;
    if (byte === BACKSLASH) {
      if (!isStringifyEscape(bytes, at + 1)) canonical = false;
      at += bytes[at + 1] === 0x75 ? 6 : 2;
    } else {
      at++;
    }
  }
  return bytes.length;
}

/** `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, or `\u00xx` (lowercase) for another control character. */
function isStringifyEscape(bytes: Buffer, at: number): boolean {
  switch (bytes[at]) {
    case QUOTE:
    case BACKSLASH:
    case 0x62: // b
    case 0x66: // f
    case 0x6e: // n
    case 0x72: // r
    case 0x74: // t
      return true;
    case 0x75: {
      // u
      if (bytes[at + 1] !== DIGIT_0 || bytes[at + 2] !== DIGIT_0) return false;
      const high = bytes[at + 3]!;
      const low = bytes[at + 4]!;
      const lowValue =
        low >= DIGIT_0 && low <= DIGIT_9 ? low - DIGIT_0 : low >= 0x61 && low <= 0x66 ? low - 0x57 : -1;
      if (lowValue < 0 || (high !== DIGIT_0 && high !== 0x31)) return false;
      const code = (high - DIGIT_0) * 16 + lowValue;
      // The characters with a short escape are written short.
      return code !== 0x08 && code !== 0x09 && code !== 0x0a && code !== 0x0c && code !== 0x0d;
    }
    default:
      return false;
  }
}

function isNumberByte(byte: number): boolean {
  return (
    (byte >= DIGIT_0 && byte <= DIGIT_9) ||
    byte === MINUS ||
    byte === 0x2b ||
    byte === 0x2e ||
    byte === 0x65 ||
    byte === 0x45
  );
}

/** The end of the number at `at`; clears `canonical` unless JavaScript writes the number with the same characters. */
function numberEnd(bytes: Buffer, at: number): number {
  const start = at;
  let plain = true;
  while (at < bytes.length && isNumberByte(bytes[at]!)) {
    const byte = bytes[at]!;
    if (byte < DIGIT_0 && byte !== MINUS) plain = false;
    else if (byte > DIGIT_9) plain = false;
    at++;
  }
  const first = bytes[start] === MINUS ? start + 1 : start;
  const digits = at - first;
  // An integer of a few digits without a leading zero is written as is (`-0` is written `0`).
  if (
    plain &&
    digits <= PLAIN_INTEGER_DIGITS &&
    (bytes[first] !== DIGIT_0 || (digits === 1 && first === start))
  )
    return at;
  const text = bytes.toString('latin1', start, at);
  if (String(Number(text)) !== text) canonical = false;
  return at;
}
