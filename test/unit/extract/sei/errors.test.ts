import { describe, expect, it } from 'vitest';
import { SEI_ERROR_CODES, type SeiErrorCode } from '../../../../src/errors.js';
import {
  abortedError,
  classify,
  errorForStatus,
  isRetryableStatus,
  noKeyError,
  oneLine,
  RETRYABLE_STATUS_CODES,
  retriesExhaustedError,
  SeiError,
} from '../../../../src/extract/sei/errors.js';

const REQUEST = { method: 'POST', path: '/v1/org/units/list', page: 7 };

describe('classify', () => {
  const table: Array<[SeiErrorCode, 'retry' | 'rate_limited' | 'fatal', boolean]> = [
    [SEI_ERROR_CODES.auth, 'fatal', false],
    [SEI_ERROR_CODES.forbidden, 'fatal', false],
    [SEI_ERROR_CODES.notFound, 'fatal', false],
    [SEI_ERROR_CODES.badRequest, 'fatal', false],
    [SEI_ERROR_CODES.rateLimited, 'rate_limited', true],
    [SEI_ERROR_CODES.server, 'retry', true],
    [SEI_ERROR_CODES.network, 'retry', true],
    [SEI_ERROR_CODES.timeout, 'retry', true],
    [SEI_ERROR_CODES.badResponse, 'retry', true],
    [SEI_ERROR_CODES.retriesExhausted, 'retry', true],
    [SEI_ERROR_CODES.aborted, 'fatal', false],
    [SEI_ERROR_CODES.noKey, 'fatal', false],
    [SEI_ERROR_CODES.unreachable, 'retry', true],
  ];

  it('covers every code', () => {
    expect(table.map(([code]) => code).sort()).toEqual(Object.values(SEI_ERROR_CODES).sort());
  });

  it.each(table)('%s is %s (retryable: %s)', (code, expected, retryable) => {
    const error = new SeiError({ ...REQUEST, code, message: 'x' });
    expect(classify(error)).toBe(expected);
    expect(error.retryable).toBe(retryable);
  });

  it('rates exhausted retries by their last failure', () => {
    const last429 = errorForStatus(REQUEST, 429);
    const last500 = errorForStatus(REQUEST, 500);
    expect(classify(retriesExhaustedError(last429, 6))).toBe('rate_limited');
    expect(classify(retriesExhaustedError(last500, 6))).toBe('retry');
  });

  it('retries errors that are not SeiErrors (a transient failure must not be declared fatal)', () => {
    expect(classify(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe('retry');
    expect(classify(new Error('database went away'))).toBe('retry');
  });
});

describe('errorForStatus', () => {
  it.each([
    [400, SEI_ERROR_CODES.badRequest],
    [401, SEI_ERROR_CODES.auth],
    [403, SEI_ERROR_CODES.forbidden],
    [404, SEI_ERROR_CODES.notFound],
    [429, SEI_ERROR_CODES.rateLimited],
    [500, SEI_ERROR_CODES.server],
    [502, SEI_ERROR_CODES.server],
    [503, SEI_ERROR_CODES.server],
    [504, SEI_ERROR_CODES.server],
    [408, SEI_ERROR_CODES.server],
    [522, SEI_ERROR_CODES.server],
    [302, SEI_ERROR_CODES.badRequest],
    [405, SEI_ERROR_CODES.badRequest],
    [413, SEI_ERROR_CODES.badRequest],
  ])('maps %i to %s, naming the request', (status, code) => {
    const error = errorForStatus(REQUEST, status);
    expect(error).toMatchObject({ code, status, method: 'POST', path: '/v1/org/units/list', page: 7 });
    expect(error.message).toContain('POST /v1/org/units/list page 7');
    expect(error.retryable).toBe(isRetryableStatus(status));
  });

  it('keeps the server message of a 400 on one line', () => {
    const error = errorForStatus(REQUEST, 400, { serverMessage: 'page_size cannot\nexceed 10000' });
    expect(error.message).toContain('"page_size cannot exceed 10000"');
    expect(error.message).not.toContain('\n');
  });

  it('says what to check', () => {
    expect(errorForStatus(REQUEST, 401).message).toMatch(/SEI_API_KEY/);
    expect(errorForStatus(REQUEST, 403).message).toMatch(/SEI Admin key/);
    expect(errorForStatus(REQUEST, 404).message).toMatch(/SEI_ENV\/SEI_BASE_URL/);
    expect(errorForStatus(REQUEST, 429).message).toMatch(/SEI_REQUESTS_PER_MINUTE/);
    expect(noKeyError().message).toMatch(/set SEI_API_KEY/);
    expect(abortedError(REQUEST).message).toMatch(/aborted/);
  });

  it('serializes its fields without a stack', () => {
    const json = JSON.parse(JSON.stringify(errorForStatus(REQUEST, 503, { retryAfterMs: 1000 })));
    expect(json).toMatchObject({ code: 'SEI_ERR_SERVER', status: 503, retryAfterMs: 1000, retryable: true });
    expect(json.stack).toBeUndefined();
  });
});

describe('isRetryableStatus', () => {
  it('retries 408, 425, 429 and every 5xx, nothing else', () => {
    const retried = Array.from({ length: 500 }, (_, i) => i + 100).filter(isRetryableStatus);
    expect(retried).toEqual([...RETRYABLE_STATUS_CODES, ...Array.from({ length: 100 }, (_, i) => 500 + i)]);
  });
});

describe('oneLine', () => {
  it('collapses white space and bounds the length', () => {
    expect(oneLine(' a\n\tb  c ')).toBe('a b c');
    expect(oneLine('x'.repeat(50), 10)).toHaveLength(10);
  });
});
