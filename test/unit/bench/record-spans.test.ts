/** Where each record of a list page's body starts and ends (bench/lib/record-spans.ts). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordSpans } from '../../../bench/lib/record-spans.js';

function texts(body: string): (string | null)[] | undefined {
  const bytes = Buffer.from(body);
  const spans = recordSpans(bytes);
  if (spans === undefined) return undefined;
  const out: (string | null)[] = [];
  for (let k = 0; k < spans.length; k += 2)
    out.push(spans[k]! < 0 ? null : bytes.toString('utf8', spans[k], spans[k + 1]));
  return out;
}

describe('recordSpans', () => {
  it('finds each record of the top-level `records`, wherever the key stands and however spaced', () => {
    const body = `{ "count" : 2, "records" : [ {"a":"x]}\\"{[","n":[1,{"b":2}]} ,\n{ "c" : {} } ],
      "_metadata": {"records": [{"not":"these"}]} }`;
    expect(texts(body)).toEqual(['{"a":"x]}\\"{[","n":[1,{"b":2}]}', '{ "c" : {} }']);
    expect(texts('{"records":[]}')).toEqual([]);
  });

  it('keeps the last `records` key, as JSON.parse does', () => {
    expect(texts('{"records":[{"a":1},{"a":2}],"records":[{"b":1}]}')).toEqual(['{"b":1}']);
  });

  it('gives no text for an element that is no object, keeping the elements aligned', () => {
    expect(texts('{"records":[null,{"a":1},7,"s",[{"x":1}],true,{"b":2},-1.5]}')).toEqual([
      null,
      '{"a":1}',
      null,
      null,
      null,
      null,
      '{"b":2}',
      null,
    ]);
  });

  it('gives no text for a record whose text jsonb could read otherwise than JavaScript', () => {
    expect(
      texts(
        '{"records":[{"a":"\\u00e9"},{"a":1e5},{"a":2E-3},{"a":1234567890123456},{"a":123456789012345,"b":true,"c":false,"d":"1e5"},{"a":-0.5}]}',
      ),
    ).toEqual([null, null, null, null, '{"a":123456789012345,"b":true,"c":false,"d":"1e5"}', '{"a":-0.5}']);
  });

  it('reads no body that is not an object or has an escaped key at the top', () => {
    expect(texts('[{"a":1}]')).toBeUndefined();
    expect(texts('{"rec\\u006frds":[{"a":1}],"records":[{"b":2}]}')).toBeUndefined();
  });

  it('gives texts that parse to the records JSON.parse read, for any body', () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    fc.assert(
      fc.property(
        fc.array(json, { maxLength: 6 }),
        fc.dictionary(fc.string(), json, { maxKeys: 3 }),
        fc.boolean(),
        (records, others, pretty) => {
          const body = JSON.stringify({ ...others, records }, null, pretty ? 2 : undefined);
          const spans = texts(body);
          const parsed = (JSON.parse(body) as { records: unknown[] }).records;
          if (spans === undefined) return; // an escaped key among `others`
          expect(spans).toHaveLength(parsed.length);
          spans.forEach((text, k) => {
            const record = parsed[k];
            if (text !== null) expect(JSON.parse(text)).toEqual(record);
            else if (typeof record === 'object' && record !== null && !Array.isArray(record))
              // An object without a text holds an escape or a number kept out on purpose.
              expect(JSON.stringify(record)).toMatch(/\\u|\d[eE]|[-+.\d]{16}/);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
