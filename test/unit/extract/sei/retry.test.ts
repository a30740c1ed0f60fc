import { describe, expect, it } from 'vitest';
import { SEI_ERROR_CODES } from '../../../../src/errors.js';
import { errorForStatus, SeiError } from '../../../../src/extract/sei/errors.js';
import {
  fullJitterDelayMs,
  parseRetryAfterMs,
  RETRY_DEFAULTS,
  retryDelayMs,
  runWithRetries,
} from '../../../../src/extract/sei/retry.js';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const CAP = 120_000;
const REQUEST = { method: 'POST', path: '/v1/scm/prs/list', page: 0 };

describe('parseRetryAfterMs', () => {
  it.each([
    ['0', 0],
    ['3', 3_000],
    ['1.5', 1_500],
    [' 10 ', 10_000],
  ])('reads delay-seconds %j', (header, expected) => {
    expect(parseRetryAfterMs(header, NOW, CAP)).toBe(expected);
  });

  it('reads an HTTP date relative to now', () => {
    expect(parseRetryAfterMs('Thu, 26 Nov 2026 12:00:30 GMT', NOW, CAP)).toBe(30_000);
  });

  it('treats a date in the past as no wait', () => {
    expect(parseRetryAfterMs('Thu, 26 Nov 2026 11:00:00 GMT', NOW, CAP)).toBe(0);
  });

  it('caps long waits', () => {
    expect(parseRetryAfterMs('86400', NOW, CAP)).toBe(CAP);
    expect(parseRetryAfterMs('Fri, 27 Nov 2026 12:00:00 GMT', NOW, CAP)).toBe(CAP);
  });

  it.each([undefined, '', 'soon', '-5', '1e3', 'NaN', '12abc', 'Mon, 99 Foo 2026'])(
    'ignores %j',
    (header) => {
      expect(parseRetryAfterMs(header, NOW, CAP)).toBeUndefined();
    },
  );

  it('takes the first of repeated headers', () => {
    expect(parseRetryAfterMs(['2', '9'], NOW, CAP)).toBe(2_000);
  });
});

describe('fullJitterDelayMs', () => {
  it('stays within [0, min(cap, base * 2^n))', () => {
    for (let retry = 0; retry < 12; retry++) {
      const ceiling = Math.min(30_000, 500 * 2 ** retry);
      expect(fullJitterDelayMs(retry, 500, 30_000, () => 0)).toBe(0);
      expect(fullJitterDelayMs(retry, 500, 30_000, () => 0.5)).toBe(Math.floor(ceiling / 2));
      const top = fullJitterDelayMs(retry, 500, 30_000, () => 0.999_999);
      expect(top).toBeLessThan(ceiling);
      expect(top).toBeGreaterThanOrEqual(ceiling - 1);
    }
  });

  it('caps at maxMs', () => {
    expect(fullJitterDelayMs(30, 500, 30_000, () => 0.999_999)).toBeLessThan(30_000);
  });
});

describe('retryDelayMs', () => {
  it("prefers the server's Retry-After, capped", () => {
    const error = errorForStatus(REQUEST, 503, { retryAfterMs: 5_000 });
    expect(retryDelayMs(error, 0, RETRY_DEFAULTS, () => 0.9)).toBe(5_000);
    expect(retryDelayMs(error, 0, { ...RETRY_DEFAULTS, maxRetryAfterMs: 1_000 }, () => 0.9)).toBe(1_000);
  });

  it('falls back to full jitter', () => {
    const error = errorForStatus(REQUEST, 429);
    expect(retryDelayMs(error, 2, RETRY_DEFAULTS, () => 0.5)).toBe(1_000);
  });
});

describe('runWithRetries', () => {
  const policy = { maxAttempts: 4, minRetryDelayMs: 0, maxRetryDelayMs: 0, maxRetryAfterMs: 0 };

  it('retries transient failures until success and reports each wait', async () => {
    const seen: Array<[string, number]> = [];
    let calls = 0;
    const outcome = await runWithRetries(
      async () => {
        calls++;
        if (calls < 3) throw errorForStatus(REQUEST, calls === 1 ? 429 : 502);
        return 'ok';
      },
      policy,
      { onRetry: (error, attempt) => void seen.push([error.code, attempt]) },
    );
    expect(outcome).toEqual({ value: 'ok', attempts: 3 });
    expect(seen).toEqual([
      ['SEI_ERR_RATE_LIMITED', 1],
      ['SEI_ERR_SERVER', 2],
    ]);
  });

  it('does not retry fatal errors', async () => {
    let calls = 0;
    const failing = runWithRetries(async () => {
      calls++;
      throw errorForStatus(REQUEST, 403);
    }, policy);
    await expect(failing).rejects.toMatchObject({ code: SEI_ERROR_CODES.forbidden });
    expect(calls).toBe(1);
  });

  it('wraps the last failure after maxAttempts', async () => {
    let calls = 0;
    const failing = runWithRetries(async () => {
      calls++;
      throw new SeiError({
        ...REQUEST,
        code: SEI_ERROR_CODES.network,
        causeCode: 'ECONNRESET',
        message: 'reset',
      });
    }, policy);
    await expect(failing).rejects.toMatchObject({
      code: SEI_ERROR_CODES.retriesExhausted,
      lastCode: SEI_ERROR_CODES.network,
      attempts: 4,
      causeCode: 'ECONNRESET',
    });
    expect(calls).toBe(4);
  });

  it('makes a single attempt when maxAttempts is 1 and throws its failure as is', async () => {
    let calls = 0;
    const failing = runWithRetries(
      async () => {
        calls++;
        throw errorForStatus(REQUEST, 500);
      },
      { ...policy, maxAttempts: 1 },
    );
    await expect(failing).rejects.toMatchObject({ code: SEI_ERROR_CODES.server, status: 500 });
    expect(calls).toBe(1);
  });
});
