import { describe, expect, it } from 'vitest';
import { parseJsonBody } from '../../../../src/extract/sei/body-json.js';

/** What the body must parse to: JSON.parse of its UTF-8 text, compared with key order and own keys. */
function expectSameAsUtf8(bytes: Buffer): void {
  const expected = JSON.parse(bytes.toString('utf8')) as unknown;
  const actual = parseJsonBody(bytes);
  expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
  expect(actual).toEqual(expected);
}

describe('parseJsonBody', () => {
  it.each([
    ['ASCII only', '{"records":[{"a":"plain","b":[1,2]}]}'],
    [
      'accents, symbols and emoji in values',
      '{"records":[{"name":"José Müller","t":"€ 😀 中文","l":["ñ","ok"]}]}',
    ],
    [
      'non-ASCII keys, in their order, beside an integer key',
      '{"records":[{"zé":1,"a":2,"10":3,"ü":{"ß":"x"}}]}',
    ],
    [
      'a "__proto__" key with a non-ASCII value and beside non-ASCII keys',
      '{"records":[{"__proto__":"é","é":1}]}',
    ],
    [
      'escapes beside raw non-ASCII (parsed the ordinary way)',
      '{"records":[{"a":"é\\u00e9\\u20ac","b":"\\n"}]}',
    ],
    ['escapes without \\u beside raw non-ASCII', '{"records":[{"a":"é\\n\\"\\\\é","b":"x\\tÿ"}]}'],
    ['an escaped backslash right before non-ASCII', '{"path":"C:\\\\Élodie\\\\ü","ok":"\\\\"}'],
    ['non-ASCII first and last in a key', '{"éa":"bü","ü":"中"}'],
  ])('parses %s as JSON.parse of the UTF-8 text does', (_, body) => {
    expectSameAsUtf8(Buffer.from(body));
  });

  it('keeps the U+FFFD replacements of a body that is not valid UTF-8', () => {
    const body = Buffer.concat([Buffer.from('{"a":"é'), Buffer.from([0xff, 0xc3]), Buffer.from('"}')]);
    expect(parseJsonBody(body)).toEqual({ a: 'é\ufffd\ufffd' });
  });

  it('parses a deeply nested body with non-ASCII text', () => {
    const depth = 2100;
    expectSameAsUtf8(Buffer.from(`{"a":"é","d":${'['.repeat(depth)}"ü"${']'.repeat(depth)}}`));
  });

  it('throws SyntaxError on a body that is not JSON', () => {
    expect(() => parseJsonBody(Buffer.from('{"a":"é"'))).toThrow(SyntaxError);
    expect(() => parseJsonBody(Buffer.from('<html>'))).toThrow(SyntaxError);
    // A backslash followed by a raw non-ASCII character is no escape: escaping the character must not make it one.
    expect(() => parseJsonBody(Buffer.from('{"a":"\\é"}'))).toThrow(SyntaxError);
    expect(() => parseJsonBody(Buffer.from('{"a":é}'))).toThrow(SyntaxError);
  });

  it('agrees with JSON.parse on generated text', () => {
    let seed = 11;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const pieces = ['a', ' ', '"', '\\', '\n', 'é', 'ÿ', '€', '😀', '中', '\u0080', '\u00ff', '0'];
    const text = () =>
      Array.from(
        { length: Math.floor(random() * 6) },
        () => pieces[Math.floor(random() * pieces.length)],
      ).join('');
    const value = (depth: number): unknown => {
      const kind = Math.floor(random() * (depth > 3 ? 3 : 5));
      if (kind === 0) return text();
      if (kind === 1) return Math.floor(random() * 1000);
      if (kind === 2) return null;
      if (kind === 3) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      return Object.fromEntries(
        Array.from({ length: Math.floor(random() * 4) }, () => [text(), value(depth + 1)]),
      );
    };
    for (let i = 0; i < 50; i++)
      expectSameAsUtf8(Buffer.from(JSON.stringify({ records: [value(0), value(0)] })));
  });
});
