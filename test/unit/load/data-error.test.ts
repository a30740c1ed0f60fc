import { describe, expect, it } from 'vitest';
import { describeDataError, isDataError, sqlState } from '../../../src/load/data-error.js';

const pgError = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

describe('data errors: the records are to blame', () => {
  it.each([
    ['22P05', 'unsupported Unicode escape sequence'],
    ['22P02', 'invalid input syntax for type json'],
    ['22009', 'time zone displacement out of range'],
    ['22003', 'value out of range'],
    ['22021', 'invalid byte sequence for encoding "UTF8": 0x00'],
    ['23505', 'duplicate key value violates unique constraint'],
    ['23514', 'violates check constraint'],
    ['54000', 'index row size 6016 exceeds btree version 4 maximum 2704'],
    ['54001', 'stack depth limit exceeded'],
  ])('%s %s', (code, message) => expect(isDataError(pgError(code, message))).toBe(true));

  it("counts V8's own limits met while serializing a page", () => {
    expect(isDataError(new RangeError('Invalid string length'))).toBe(true);
    expect(isDataError(new RangeError('Maximum call stack size exceeded'))).toBe(true);
  });
});

describe('other errors: retried later, never isolated', () => {
  it.each([
    ['40001', 'could not serialize access'],
    ['40P01', 'deadlock detected'],
    ['08006', 'connection failure'],
    ['57P01', 'terminating connection due to administrator command'],
    ['53100', 'could not extend file: No space left on device'],
    ['42501', 'permission denied for table jira_issues'],
    ['42P01', 'relation does not exist'],
    ['EPIPE', 'write EPIPE'],
    ['ECONNRESET', 'read ECONNRESET'],
  ])('%s %s', (code, message) => expect(isDataError(pgError(code, message))).toBe(false));

  it('is not fooled by other errors', () => {
    expect(isDataError(new RangeError('Invalid time value'))).toBe(false);
    expect(isDataError(new TypeError('x is undefined'))).toBe(false);
    expect(isDataError(undefined)).toBe(false);
    expect(isDataError('22P05')).toBe(false);
  });
});

describe('describeDataError', () => {
  it("gives PostgreSQL's SQLSTATE and the first line of its message", () => {
    expect(describeDataError(pgError('22P05', 'unsupported Unicode escape sequence\nDETAIL: \\u0000'))).toBe(
      '22P05: unsupported Unicode escape sequence',
    );
    expect(describeDataError(new RangeError('Invalid string length'))).toBe('Invalid string length');
    expect(sqlState(pgError('ECONNRESET'))).toBeUndefined();
  });
});
