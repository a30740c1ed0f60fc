/**
 * Where each record of a list page's body starts and ends, for ./page-handling.ts (issue 24): a record
 * sent and hashed from its own bytes needs no `JSON.stringify`, and a record parsed from its own bytes
 * dies young. Not in the sync yet (docs/performance.md says why and what would bring it in).
 *
 * A record's bytes may be stored as they are only when storing them says exactly what storing the
 * parsed value says, so a span is given only for an object holding no `\u` escape (PostgreSQL refuses
 * some in `jsonb`, and in a database not in UTF-8 any above U+007F) and no number that `jsonb` and
 * JavaScript could read differently (an exponent, or more than 15 characters: beyond them a double is
 * not exact, and `1e999` is Infinity to JavaScript but too large a `numeric` for PostgreSQL). The body
 * must also be valid UTF-8, which the caller checks (`isUtf8`). Whitespace, key order and duplicate
 * keys do not matter: `jsonb` keeps neither the first two and keeps the last of duplicates, as
 * `JSON.parse` does.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LETTER_U = 0x75;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
/** Longest number kept as sent: 15 significant digits survive a double exactly. */
const MAX_NUMBER_CHARACTERS = 15;
const RECORDS_KEY = Buffer.from('records');
/** States of the element being read in `records`, besides the offset of an object's `{`. */
const AWAITING_ELEMENT = -1;
const ARRAY_ELEMENT = -2;
const ELEMENT_ENDED = -3;

function isNumberCharacter(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e;
}

/**
 * For each element of the body's top-level `records` array (the last such key, as `JSON.parse`
 * keeps), its `[start, end)` in `bytes`, or -1 and -1 for an element that is not an object or whose
 * text may not be stored as is. Undefined when the body is not an object or has a key with an escape
 * at the top level. `bytes` must be JSON.
 */
export function recordSpans(bytes: Uint8Array): Int32Array | undefined {
  if (bytes[firstNonSpace(bytes)] !== OPEN_BRACE) return undefined;
  const length = bytes.length;
  let depth = 0;
  /** The last string read at depth 1: the key of a value that opens there. */
  let keyStart = -1;
  let keyEnd = -1;
  let spans: number[] = [];
  let inRecords = false;
  let elementStart = AWAITING_ELEMENT;
  let elementVerbatim = true;
  let numberRun = 0;
  let previous = 0;
  for (let i = 0; i < length; i++) {
    const c = bytes[i]!;
    if (c === QUOTE) {
      const open = i;
      let escaped = false;
      for (i++; i < length; i++) {
        const x = bytes[i]!;
        if (x === QUOTE) break;
        if (x === BACKSLASH) {
          escaped = true;
          if (bytes[i + 1] === LETTER_U) elementVerbatim = false;
          i++;
        }
      }
      if (depth === 1) {
        // A key with an escape could spell `records`: not worth reading here.
        if (escaped) return undefined;
        keyStart = open + 1;
        keyEnd = i;
      }
      numberRun = 0;
      previous = QUOTE;
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
      if (depth === 2 && c === OPEN_BRACKET && isRecordsKey(bytes, keyStart, keyEnd)) {
        inRecords = true;
        spans = [];
        elementStart = AWAITING_ELEMENT;
      } else if (depth === 3 && inRecords && elementStart === AWAITING_ELEMENT) {
        elementStart = c === OPEN_BRACE ? i : ARRAY_ELEMENT;
        elementVerbatim = true;
      }
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (depth === 3 && inRecords) {
        if (elementStart >= 0 && elementVerbatim) spans.push(elementStart, i + 1);
        else spans.push(-1, -1);
        elementStart = ELEMENT_ENDED;
      } else if (depth === 2 && inRecords) {
        // A scalar last element (none in `[]`).
        if (elementStart === AWAITING_ELEMENT && hasScalarBefore(bytes, i)) spans.push(-1, -1);
        inRecords = false;
      }
      depth--;
    } else if (depth === 2 && inRecords && c === COMMA) {
      if (elementStart === AWAITING_ELEMENT) spans.push(-1, -1); // a scalar: null, a number, a string...
      elementStart = AWAITING_ELEMENT;
    } else if (isNumberCharacter(c)) {
      if (++numberRun > MAX_NUMBER_CHARACTERS) elementVerbatim = false;
    } else if ((c === LOWER_E || c === UPPER_E) && isNumberCharacter(previous)) {
      elementVerbatim = false;
    } else {
      numberRun = 0;
    }
    previous = c;
  }
  return Int32Array.from(spans);
}

function firstNonSpace(bytes: Uint8Array): number {
  let i = 0;
  while (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09) i++;
  return i;
}

function isRecordsKey(bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start !== RECORDS_KEY.length) return false;
  for (let k = 0; k < RECORDS_KEY.length; k++) if (bytes[start + k] !== RECORDS_KEY[k]) return false;
  return true;
}

/** Whether a value other than whitespace stands between the array's last `[` or `,` and `i`. */
function hasScalarBefore(bytes: Uint8Array, i: number): boolean {
  for (let k = i - 1; k >= 0; k--) {
    const c = bytes[k]!;
    if (c === OPEN_BRACKET || c === COMMA) return false;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return true;
  }
  return false;
}
