import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonTextMayHoldUnstorableStrings } from '../../../../src/extract/sei/storable-text.js';
import { isStorableString } from '../../../../src/normalize/storable-json.js';

/** JSON as a writer that escapes every non-ASCII character (Jackson's ESCAPE_NON_ASCII) writes it. */
const asciiJson = (value: unknown) =>
  JSON.stringify(value).replace(
    /[^\u0020-\u007e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

function everyStringStorable(value: unknown): boolean {
  if (typeof value === 'string') return isStorableString(value);
  if (Array.isArray(value)) return value.every(everyStringStorable);
  if (value !== null && typeof value === 'object')
    return Object.entries(value).every(([key, child]) => isStorableString(key) && everyStringStorable(child));
  return true;
}

const unit = fc.oneof(
  fc.constantFrom('\u0000', '\ud800', '\udfff', '\ud83d\ude00', 'é', '\\', 'u0000', '"'),
  fc.string({ unit: 'binary', maxLength: 2 }),
);
const { json } = fc.letrec((tie) => ({
  json: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit, maxLength: 8 }),
    fc.double(),
    fc.constant(null),
    fc.array(tie('json'), { maxLength: 3 }),
    fc.dictionary(fc.string({ unit, maxLength: 4 }), tie('json'), { maxKeys: 3 }),
  ),
}));

describe('jsonTextMayHoldUnstorableStrings', () => {
  it.each([
    ['{"a":"plain"}', false],
    ['{"a":"caf\u00e9 😀"}', false],
    ['{"a":"\\u00e9"}', false],
    ['{"a":"x\\u0000y"}', true],
    ['{"a":"\\ud83d"}', true],
    ['{"a":"\\uDE00"}', true],
    ['{"a":"\\ud83d\\ude00"}', true],
    ['{"C:\\\\u0000dir":1}', true],
  ])('%s → %s', (text, expected) => expect(jsonTextMayHoldUnstorableStrings(text)).toBe(expected));

  it('is sound: when it says no, every string parsed from the text is storable', () => {
    fc.assert(
      fc.property(json, (value) => {
        for (const text of [JSON.stringify(value), asciiJson(value)])
          if (!jsonTextMayHoldUnstorableStrings(text))
            expect(everyStringStorable(JSON.parse(text))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
