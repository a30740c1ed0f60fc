/**
 * The error codes are a contract: docs/json-output.md lists every code of the `ErrorCode` union
 * (src/errors.ts), and nothing else.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { codedLine, ERROR_CODES, SYNC_ERROR_CODES } from '../../src/errors.js';

const DOC = 'docs/json-output.md';

/** The codes of the "Error codes" table: first cell of each row after its heading. */
function documentedCodes(): string[] {
  const text = readFileSync(DOC, 'utf8');
  const section = text.split('\n## Error codes\n')[1] ?? '';
  return [...section.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((match) => match[1] ?? '');
}

describe('error codes', () => {
  it(`are each documented once in ${DOC}, and the table holds no other`, () => {
    const documented = documentedCodes();
    expect(new Set(documented).size).toBe(documented.length);
    expect([...documented].sort()).toEqual([...ERROR_CODES].sort());
  });

  it('are each defined once', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });

  it('keep a code of ours, and name a foreign one in the line under the fallback', () => {
    const internal = SYNC_ERROR_CODES.internal;
    const busy = Object.assign(new Error('busy'), { code: SYNC_ERROR_CODES.streamBusy });
    expect(codedLine(busy, internal, 'busy')).toEqual({ code: SYNC_ERROR_CODES.streamBusy, message: 'busy' });
    const sql = Object.assign(new Error('duplicate key'), { code: '23505' });
    expect(codedLine(sql, internal, 'duplicate key')).toEqual({
      code: internal,
      message: 'duplicate key (23505)',
    });
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(codedLine(reset, internal, 'read ECONNRESET')).toEqual({
      code: internal,
      message: 'read ECONNRESET',
    });
    expect(codedLine('plain', internal, 'plain')).toEqual({ code: internal, message: 'plain' });
  });
});
