/**
 * Whether a JSON body can hold a string PostgreSQL cannot store (NUL, lone UTF-16 surrogates), so
 * that normalization may skip looking at every string of every record (src/normalize/storable-json.ts)
 * when the answer is no, which is almost always.
 *
 * A body decoded from UTF-8 holds no lone surrogate (invalid sequences decode to U+FFFD), and JSON
 * forbids raw control characters inside strings, so only escapes can produce such a string: `\u0000`
 * and `\uD800` to `\uDFFF`. An escaped surrogate pair, or an escaped backslash before `u0000`, is a
 * false alarm that merely costs the normalizer its look.
 */
const UNSTORABLE_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;

export function jsonTextMayHoldUnstorableStrings(text: string): boolean {
  // `includes` is a native scan: most bodies have no `\u` at all and never reach the regex.
  return text.includes('\\u') && UNSTORABLE_ESCAPE.test(text);
}

/** `jsonTextMayHoldUnstorableStrings` of the UTF-8 text `bytes` hold, without decoding them (the escapes are ASCII). */
export function jsonBytesMayHoldUnstorableStrings(bytes: Buffer): boolean {
  return bytes.includes('\\u') && UNSTORABLE_ESCAPE.test(bytes.toString('latin1'));
}
