/**
 * The client's retry policy: which failures get another attempt (`classify`), how long to wait before
 * it (exponential backoff with full jitter, or the server's `Retry-After`), and the loop itself on
 * p-retry. Delays are computed here, not by p-retry (its jitter is not "full jitter" and it cannot
 * honour `Retry-After`), so p-retry runs with a zero timeout and we sleep in `shouldRetry`.
 */
import pRetry, { AbortError } from 'p-retry';
import { RETRY_DEFAULTS } from './defaults.js';
import { classify, retriesExhaustedError, SeiError } from './errors.js';

/** Retry tuning; each default is defined once in `RETRY_DEFAULTS`. */
export interface RetryPolicy {
  /** Attempts per request, the first included. @defaultValue 6 (config `SEI_MAX_ATTEMPTS`) */
  maxAttempts: number;
  /** Base of the exponential backoff: retry n waits random(0, min(max, min * 2^n)). @defaultValue 500 */
  minRetryDelayMs: number;
  /** Cap of the exponential backoff. @defaultValue 30000 */
  maxRetryDelayMs: number;
  /** Longest `Retry-After` honoured; longer ones are cut to this. @defaultValue 120000 */
  maxRetryAfterMs: number;
}

export { RETRY_DEFAULTS };

RETRY_DEFAULTS satisfies RetryPolicy;

/**
 * Parses a `Retry-After` header (RFC 9110: delay-seconds or an HTTP date) into milliseconds from
 * `nowMs`, capped at `capMs`. Returns undefined when absent or unparseable. A date in the past is 0.
 */
export function parseRetryAfterMs(
  header: string | string[] | undefined,
  nowMs: number,
  capMs: number,
): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  let delayMs: number;
  if (/^\d+(\.\d+)?$/.test(text)) {
    delayMs = Math.round(Number(text) * 1000);
  } else {
    // HTTP dates always name a weekday and GMT; requiring letters rejects bare numbers like "-5".
    if (!/[A-Za-z]/.test(text)) return undefined;
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    delayMs = Math.max(0, at - nowMs);
  }
  if (!Number.isFinite(delayMs)) return undefined;
  return Math.min(delayMs, capMs);
}

/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff and Jitter"):
 * retry `retryIndex` (0 for the first retry) waits random(0, min(maxMs, minMs * 2^retryIndex)).
 * `random` returns [0, 1) like Math.random and is injectable for tests.
 */
export function fullJitterDelayMs(
  retryIndex: number,
  minMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.max(0, retryIndex));
  return Math.floor(random() * ceiling);
}

/** How long to wait before the next attempt after `error`: the server's wish, else full jitter. */
export function retryDelayMs(
  error: SeiError,
  retryIndex: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  if (error.retryAfterMs !== undefined) return Math.min(error.retryAfterMs, policy.maxRetryAfterMs);
  return fullJitterDelayMs(retryIndex, policy.minRetryDelayMs, policy.maxRetryDelayMs, random);
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. No busy waiting. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryHooks {
  signal?: AbortSignal;
  /** Called before each wait with the failure, the attempt that failed (1-based) and the delay. */
  onRetry?: (error: SeiError, attemptNumber: number, delayMs: number) => void | Promise<void>;
  /** Random source for the jitter. @defaultValue Math.random */
  random?: () => number;
  /** Failures this caller does not want retried (an endpoint known to answer them): thrown as they are. */
  isFinal?: (error: SeiError) => boolean;
}

export interface RetryOutcome<T> {
  value: T;
  attempts: number;
}

/**
 * Runs `attempt` until it succeeds, fails with an error `classify` calls fatal (thrown as is), or
 * `policy.maxAttempts` attempts failed (then SEI_ERR_RETRIES_EXHAUSTED, naming the last failure; with
 * `maxAttempts: 1` the failure itself, since nothing was retried).
 * `attempt` must throw `SeiError`s only (the client converts everything else first).
 * An abort during a wait rejects with the signal's reason; the caller turns that into SEI_ERR_ABORTED.
 */
export async function runWithRetries<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  policy: RetryPolicy,
  hooks: RetryHooks = {},
): Promise<RetryOutcome<T>> {
  let attempts = 0;
  try {
    const value = await pRetry(
      async (attemptNumber) => {
        attempts = attemptNumber;
        try {
          return await attempt(attemptNumber);
        } catch (error) {
          if (error instanceof SeiError && (classify(error) === 'fatal' || hooks.isFinal?.(error)))
            throw new AbortError(error);
          throw error;
        }
      },
      {
        retries: Math.max(0, policy.maxAttempts - 1),
        minTimeout: 0,
        maxTimeout: 0,
        shouldRetry: async ({ error, attemptNumber }) => {
          if (!(error instanceof SeiError)) return false;
          const delayMs = retryDelayMs(error, attemptNumber - 1, policy, hooks.random);
          await hooks.onRetry?.(error, attemptNumber, delayMs);
          await sleep(delayMs, hooks.signal);
          return true;
        },
      },
    );
    return { value, attempts };
  } catch (error) {
    // With a single attempt allowed nothing was retried: the failure itself says more.
    if (
      error instanceof SeiError &&
      classify(error) !== 'fatal' &&
      policy.maxAttempts > 1 &&
      attempts >= policy.maxAttempts
    ) {
      throw retriesExhaustedError(error, attempts);
    }
    throw error;
  }
}
