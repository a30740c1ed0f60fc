/**
 * The SEI HTTP client: one `POST <base><path>?there_is_no_cache=true` per list page, on one long-lived
 * undici `Pool` (keep-alive) per client, behind the request budget and the retry policy.
 *
 * - Every attempt first waits for the budget (`budget.acquire`), so retries count against the limit too.
 * - Retried: 429, 5xx, resets and other socket errors, timeouts, truncated or unparseable JSON. Each 429
 *   also tells the budget (`reportRateLimited`), so every caller sharing it slows down.
 * - Not retried: 400, 401, 403, 404 (and aborts). See errors.ts for the codes and `classify`.
 * - `there_is_no_cache=true` is always sent: without it SEI may serve stale cached pages mid-walk.
 * - The key is revealed only into the `Authorization` header. Undici errors are never passed on: they
 *   are turned into `SeiError`s built from codes, and the server's own text is redacted.
 */
import { Pool } from 'undici';
import type { SeiConfig } from '../../config.js';
import { SEI_ERROR_CODES } from '../../errors.js';
import { type Logger, silentLogger } from '../../observability/logger.js';
import { redact, type Secret } from '../../secret.js';
import { parseJsonBody } from './body-json.js';
import type { RequestBudget } from './budget.js';
import { CLIENT_DEFAULTS, IN_FLIGHT_DEFAULTS } from './defaults.js';
import {
  abortedError,
  CLIENT_CLOSED_ERROR_CODES,
  describeRequest,
  errorCodeOf,
  errorForStatus,
  INVALID_REQUEST_ERROR_CODES,
  noKeyError,
  oneLine,
  SeiError,
  type SeiRequestInfo,
  TIMEOUT_ERROR_CODES,
  withAttempts,
} from './errors.js';
import { parseRetryAfterMs, type RetryPolicy, runWithRetries } from './retry.js';
import { jsonBytesMayHoldUnstorableStrings } from './storable-text.js';
import type { ListResponse, SeiRecord } from './types.js';

export interface SeiClientOptions {
  /** Base URL, possibly with a path prefix, e.g. `https://app.harness.io/gratis/sei/api`. */
  baseUrl: string;
  /** Undefined is allowed so the client can be built before the key is checked; `list` then fails with SEI_ERR_NO_KEY. */
  apiKey: Secret | undefined;
  /** The word before the key in `Authorization`. @defaultValue 'APIKEY' */
  authScheme?: string;
  /** Per attempt, headers and body together. @defaultValue 60000 */
  timeoutMs?: number;
  /** Attempts per request, the first included. @defaultValue 6 */
  maxAttempts?: number;
  budget: RequestBudget;
  logger?: Logger;
  /** Keep-alive connections to the SEI origin: one per request in flight (pages and counts). @defaultValue 24 */
  connections?: number;
  /** @defaultValue 500 */
  minRetryDelayMs?: number;
  /** @defaultValue 30000 */
  maxRetryDelayMs?: number;
  /** @defaultValue 120000 */
  maxRetryAfterMs?: number;
  /** Random source for the backoff jitter (tests). @defaultValue Math.random */
  random?: () => number;
  /**
   * Told every HTTP answer (each attempt, error statuses too), for `sei-sync capture`. It never sees
   * the request headers, so never the key. @defaultValue none
   */
  onExchange?: (exchange: SeiExchange) => void;
}

/** One request and the answer it got, as `onExchange` sees it. */
export interface SeiExchange {
  method: 'POST';
  /** The endpoint path, without the base URL's prefix. */
  path: string;
  query: Readonly<Record<string, string>>;
  /** The JSON body sent. */
  requestBody: string;
  status: number;
  /** The answer headers worth keeping (content-type, retry-after), lower-case names. */
  headers: Readonly<Record<string, string>>;
  /** The body as received (an error body: its first 16 KiB). */
  responseBody: string;
}

/** Answer headers an exchange keeps: the ones the client acts on. */
const EXCHANGE_HEADERS = ['content-type', 'retry-after'] as const;

export { CLIENT_DEFAULTS };

/** Query sent with every list request. */
export const LIST_QUERY = { there_is_no_cache: 'true' } as const;

/** Request body of every list endpoint (the page size key is `page_size` or `pageSize`). */
export type ListRequestBody = Record<string, unknown> & { page: number };

export interface ListCallOptions {
  /** For errors and logs; defaults to `body.page`. */
  page?: number;
  signal?: AbortSignal;
  /** Query parameters besides `there_is_no_cache=true` (e.g. `force_source=db`). */
  query?: Readonly<Record<string, string>>;
  /**
   * The request only finds out whether this route exists: a 404 says nothing about the key or the
   * base URL (the first-request gate lets the others go on).
   */
  routeProbe?: boolean;
  /**
   * The request is a count (its total and a few first records, not a page to walk): the in-flight
   * limit (./in-flight.ts) gives it a count's place and leaves it out of the pages' latency. A
   * one-record request is a count anyway.
   */
  count?: boolean;
  /**
   * HTTP statuses answered at once, without a retry: the endpoint is known to fail with them on some
   * servers (cicd_jobs: a 500 on every request), and the caller has a plan for that.
   */
  finalStatuses?: readonly number[];
  /**
   * `object`: the answer is a JSON object without a `records` list (DORA stats, contributor counts);
   * it is returned as the response unchecked. @defaultValue 'records'
   */
  envelope?: 'records' | 'object';
  /**
   * Awaited between receiving a page's body and parsing it (the page budget's parse place,
   * ../page-budget.ts); the request's deadline does not run meanwhile.
   */
  beforeParse?: (signal: AbortSignal | undefined) => Promise<void>;
}

export interface ListResult<R> {
  response: ListResponse<R>;
  /**
   * True when the body held no escape that decodes to NUL or a surrogate, so every string in it can
   * be stored as is (./storable-text.ts); absent when unknown.
   */
  stringsKnownStorable?: boolean;
  /** HTTP requests sent for this page (1 without retries). */
  attempts: number;
  retries: number;
  /** 429 answers among those attempts. */
  rateLimited: number;
  /** Milliseconds the answer waited for `beforeParse`: not the server's time. */
  parseWaitMs?: number;
}

/** What the page walker needs: anything that lists one page (the client, or a fake in unit tests). */
export interface ListClient {
  list<R = SeiRecord>(path: string, body: ListRequestBody, options?: ListCallOptions): Promise<ListResult<R>>;
}

/** Totals over the client's life. */
export interface SeiClientStats {
  /** HTTP requests sent (attempts). */
  requests: number;
  retries: number;
  rateLimited: number;
  /** `list` calls that ended in an error. */
  failures: number;
}

/** Statuses whose error carries no server text. */
const MESSAGE_FREE_STATUSES: ReadonlySet<number> = new Set([401, 403, 404, 429]);

/** Longest error body read for a message; the rest is discarded. */
const MAX_ERROR_BODY_BYTES = 16 * 1024;

export class SeiClient implements ListClient {
  readonly stats: SeiClientStats = { requests: 0, retries: 0, rateLimited: 0, failures: 0 };
  readonly #pool: Pool;
  readonly #pathPrefix: string;
  /** Host and port, for messages (the configuration refuses credentials in the URL). */
  readonly #host: string;
  readonly #apiKey: Secret | undefined;
  readonly #authScheme: string;
  readonly #timeoutMs: number;
  readonly #policy: RetryPolicy;
  readonly #budget: RequestBudget;
  readonly #logger: Logger;
  readonly #random: () => number;
  readonly #onExchange: ((exchange: SeiExchange) => void) | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: SeiClientOptions) {
    const url = new URL(options.baseUrl);
    this.#pathPrefix = url.pathname.replace(/\/+$/, '');
    this.#host = url.host;
    this.#apiKey = options.apiKey;
    this.#authScheme = options.authScheme ?? CLIENT_DEFAULTS.authScheme;
    this.#timeoutMs = options.timeoutMs ?? CLIENT_DEFAULTS.timeoutMs;
    this.#policy = {
      maxAttempts: options.maxAttempts ?? CLIENT_DEFAULTS.maxAttempts,
      minRetryDelayMs: options.minRetryDelayMs ?? CLIENT_DEFAULTS.minRetryDelayMs,
      maxRetryDelayMs: options.maxRetryDelayMs ?? CLIENT_DEFAULTS.maxRetryDelayMs,
      maxRetryAfterMs: options.maxRetryAfterMs ?? CLIENT_DEFAULTS.maxRetryAfterMs,
    };
    this.#budget = options.budget;
    this.#logger = options.logger ?? silentLogger;
    this.#random = options.random ?? Math.random;
    this.#onExchange = options.onExchange;
    this.#pool = new Pool(url.origin, {
      connections: options.connections ?? CLIENT_DEFAULTS.connections,
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
    });
  }

  /** The request path for `path` under the base URL's prefix, with the list query. */
  requestPath(path: string, query: Readonly<Record<string, string>> = {}): string {
    const joined = `${this.#pathPrefix}/${path.replace(/^\/+/, '')}`;
    return `${joined}?${new URLSearchParams({ ...LIST_QUERY, ...query }).toString()}`;
  }

  /**
   * POSTs one list request and returns the parsed envelope, retrying transient failures.
   * Throws `SeiError` only: fatal codes at once, SEI_ERR_RETRIES_EXHAUSTED after `maxAttempts`,
   * SEI_ERR_ABORTED when `signal` fires (while waiting for the budget, a retry or the response).
   */
  async list<R = SeiRecord>(
    path: string,
    body: ListRequestBody,
    options: ListCallOptions = {},
  ): Promise<ListResult<R>> {
    const request: SeiRequestInfo = { method: 'POST', path, page: options.page ?? body.page };
    const { signal } = options;
    let rateLimited = 0;
    try {
      if (this.#apiKey === undefined || this.#apiKey.reveal() === '') throw noKeyError();
      const payload = JSON.stringify(body);
      const outcome = await runWithRetries(
        async (attemptNumber) => {
          try {
            await this.#budget.acquire(signal);
          } catch (error) {
            throw this.#toSeiError(error, request, signal, attemptNumber);
          }
          this.stats.requests++;
          try {
            return await this.#attempt<R>(request, payload, signal, options);
          } catch (error) {
            const seiError = withAttempts(
              this.#toSeiError(error, request, signal, attemptNumber),
              attemptNumber,
            );
            if (seiError.code === SEI_ERROR_CODES.rateLimited) {
              rateLimited++;
              this.stats.rateLimited++;
              await this.#budget.reportRateLimited(seiError.retryAfterMs);
            }
            throw seiError;
          }
        },
        this.#policy,
        {
          signal,
          random: this.#random,
          ...(options.finalStatuses && {
            isFinal: (error: SeiError) =>
              error.status !== undefined && (options.finalStatuses?.includes(error.status) ?? false),
          }),
          onRetry: (error, attemptNumber, delayMs) => {
            this.stats.retries++;
            this.#logger.warn(
              {
                code: error.code,
                status: error.status,
                causeCode: error.causeCode,
                path,
                page: request.page,
                attempt: attemptNumber,
                delayMs,
              },
              `SEI request failed, retrying: ${error.message}`,
            );
          },
        },
      );
      return {
        response: outcome.value.response,
        stringsKnownStorable: outcome.value.stringsKnownStorable,
        attempts: outcome.attempts,
        retries: outcome.attempts - 1,
        rateLimited,
        ...(outcome.value.parseWaitMs > 0 && { parseWaitMs: outcome.value.parseWaitMs }),
      };
    } catch (error) {
      this.stats.failures++;
      throw this.#toSeiError(error, request, signal);
    }
  }

  /** Closes the pool's connections; pending requests finish first. Later calls do nothing. */
  async close(): Promise<void> {
    if (this.#closing === undefined) this.#closing = this.#pool.close();
    await this.#closing;
  }

  async #attempt<R>(
    request: SeiRequestInfo,
    payload: string,
    signal: AbortSignal | undefined,
    { query, envelope = 'records', beforeParse }: ListCallOptions,
  ) {
    // One controller for both the caller's abort and our deadline on the whole exchange; undici's
    // headersTimeout/bodyTimeout (also timeoutMs) only bound the gaps between bytes.
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.#timeoutMs);
    try {
      const response = await this.#pool.request({
        method: 'POST',
        path: this.requestPath(request.path, query),
        headers: {
          authorization: `${this.#authScheme} ${(this.#apiKey as Secret).reveal()}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: payload,
        signal: controller.signal,
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      });
      const { statusCode, headers } = response;
      if (statusCode < 200 || statusCode >= 300) {
        const text = await readLimited(response.body, MAX_ERROR_BODY_BYTES);
        this.#tellExchange(request, query, payload, statusCode, headers, text);
        throw errorForStatus(request, statusCode, {
          // Our own words say more than the server's for 401/403/404/429; elsewhere its reason helps.
          serverMessage: MESSAGE_FREE_STATUSES.has(statusCode) ? undefined : this.#serverMessage(text),
          retryAfterMs: parseRetryAfterMs(headers['retry-after'], Date.now(), this.#policy.maxRetryAfterMs),
        });
      }
      const chunks: Buffer[] = [];
      let received = 0;
      try {
        for await (const chunk of response.body) {
          chunks.push(chunk as Buffer);
          received += (chunk as Buffer).length;
        }
      } catch (error) {
        if (timedOut || signal?.aborted) throw error;
        // The connection died mid-body: the page is truncated, which is worth a retry.
        throw badResponse(
          request,
          `body cut off after ${received} bytes (${errorCodeOf(error) ?? 'closed'})`,
        );
      }
      const declared = Number(headers['content-length']);
      if (headers['content-length'] !== undefined && Number.isFinite(declared) && declared !== received) {
        throw badResponse(request, `truncated body: got ${received} of ${declared} bytes`);
      }
      const bytes = Buffer.concat(chunks, received);
      // A suspended async function keeps every local of its frame, dead or not (V8 saves the whole
      // register file), so a body waiting below for a parse place would be held twice, as its chunks
      // and as `bytes` (issue 24: 1.5 MiB more per waiting 1,000-issue page at the 1M peak).
      chunks.length = 0;
      if (this.#onExchange !== undefined)
        this.#tellExchange(request, query, payload, statusCode, headers, bytes.toString('utf8'));
      let parseWaitMs = 0;
      if (beforeParse !== undefined) {
        // The answer is in: waiting for a place to parse it is not the server's time.
        clearTimeout(deadline);
        const waitStarted = performance.now();
        await beforeParse(signal);
        parseWaitMs = performance.now() - waitStarted;
      }
      const parsed = parseListResponse<R>(bytes, request, envelope);
      return {
        response: parsed,
        stringsKnownStorable: !jsonBytesMayHoldUnstorableStrings(bytes),
        parseWaitMs,
      };
    } catch (error) {
      if (timedOut && !signal?.aborted) {
        throw new SeiError({
          ...request,
          code: SEI_ERROR_CODES.timeout,
          causeCode: 'deadline',
          message: `SEI did not answer ${describeRequest(request)} within ${this.#timeoutMs} ms; raise SEI_TIMEOUT_MS or lower SEI_PAGE_SIZE`,
        });
      }
      throw error;
    } finally {
      clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  #tellExchange(
    request: SeiRequestInfo,
    query: Readonly<Record<string, string>> | undefined,
    payload: string,
    status: number,
    headers: Record<string, string | string[] | undefined>,
    responseBody: string,
  ): void {
    if (this.#onExchange === undefined) return;
    const kept: Record<string, string> = {};
    for (const name of EXCHANGE_HEADERS) {
      const value = headers[name];
      if (value !== undefined) kept[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    this.#onExchange({
      method: 'POST',
      path: request.path,
      query: { ...LIST_QUERY, ...query },
      requestBody: payload,
      status,
      headers: kept,
      responseBody,
    });
  }

  /** The short reason in an error body (`{"message": ...}` or plain text), redacted, one line. */
  #serverMessage(text: string): string | undefined {
    let message = text;
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed && typeof parsed === 'object') {
        const fields = parsed as Record<string, unknown>;
        const picked = fields.message ?? fields.error ?? fields.detail;
        if (typeof picked === 'string') message = picked;
      }
    } catch {
      // Not JSON (an HTML error page from a proxy): keep the text, which is cut below.
      message = text.replace(/<[^>]*>/g, ' ');
    }
    const clean = oneLine(redact(message, [this.#apiKey]), 200);
    return clean === '' ? undefined : clean;
  }

  /** Turns anything thrown into a `SeiError` without copying foreign text (which may hold request data). */
  #toSeiError(
    error: unknown,
    request: SeiRequestInfo,
    signal: AbortSignal | undefined,
    attempts?: number,
  ): SeiError {
    if (signal?.aborted) {
      return error instanceof SeiError && error.code === SEI_ERROR_CODES.aborted
        ? error
        : abortedError(request, attempts);
    }
    if (error instanceof SeiError) return error;
    const causeCode = errorCodeOf(error) ?? (error instanceof Error ? error.name : 'unknown');
    if (CLIENT_CLOSED_ERROR_CODES.has(causeCode)) {
      return new SeiError({
        ...request,
        attempts,
        causeCode,
        code: SEI_ERROR_CODES.aborted,
        message: `${describeRequest(request)} was not sent: the SEI client was closed (the sync is shutting down)`,
      });
    }
    if (INVALID_REQUEST_ERROR_CODES.has(causeCode)) {
      return new SeiError({
        ...request,
        attempts,
        causeCode,
        code: SEI_ERROR_CODES.badRequest,
        message: `${describeRequest(request)} could not be sent (${causeCode}): check that SEI_API_KEY and SEI_AUTH_SCHEME hold only printable ASCII`,
      });
    }
    if (TIMEOUT_ERROR_CODES.has(causeCode)) {
      return new SeiError({
        ...request,
        attempts,
        causeCode,
        code: SEI_ERROR_CODES.timeout,
        message: `SEI did not answer ${describeRequest(request)} within ${this.#timeoutMs} ms (${causeCode}); raise SEI_TIMEOUT_MS or lower SEI_PAGE_SIZE`,
      });
    }
    if (causeCode === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') {
      return badResponse(request, `truncated body (${causeCode})`);
    }
    return new SeiError({
      ...request,
      attempts,
      causeCode,
      code: SEI_ERROR_CODES.network,
      message: `network error (${causeCode}) reaching SEI at ${this.#host} on ${describeRequest(request)}; check the connection or proxy to the SEI host`,
    });
  }
}

function badResponse(request: SeiRequestInfo, detail: string): SeiError {
  return new SeiError({
    ...request,
    code: SEI_ERROR_CODES.badResponse,
    message: `SEI sent an unreadable answer to ${describeRequest(request)} (${detail}); a proxy may be cutting responses, or lower SEI_PAGE_SIZE`,
  });
}

/** Parses (./body-json.ts) and checks the list envelope: an object with a `records` array. */
export function parseListResponse<R>(
  bytes: Buffer,
  request: SeiRequestInfo,
  envelope: ListCallOptions['envelope'] = 'records',
): ListResponse<R> {
  let parsed: unknown;
  try {
    parsed = parseJsonBody(bytes);
  } catch {
    throw badResponse(request, `invalid JSON, ${bytes.length} bytes`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw badResponse(request, 'not a JSON object');
  }
  if (envelope === 'object') return parsed as ListResponse<R>;
  // A body without `records` is not an empty page: treating it as one would end a walk early and,
  // for full-refresh streams, mark every row deleted.
  if (!Array.isArray((parsed as { records?: unknown }).records)) {
    throw badResponse(request, 'no "records" array');
  }
  return parsed as ListResponse<R>;
}

/** Reads at most `maxBytes` of a body as text and discards the rest. */
async function readLimited(body: AsyncIterable<unknown> & { destroy?: () => void }, maxBytes: number) {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buffer = chunk as Buffer;
      if (size < maxBytes) chunks.push(buffer.subarray(0, maxBytes - size));
      size += buffer.length;
    }
  } catch {
    // The status already says what went wrong; a broken error body adds nothing.
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Builds the client from the configuration (`config.sei`) and a budget. */
export function createSeiClient(
  config: SeiConfig,
  budget: RequestBudget,
  logger?: Logger,
  extra: Pick<SeiClientOptions, 'onExchange'> = {},
): SeiClient {
  return new SeiClient({
    ...extra,
    baseUrl: config.baseUrl,
    apiKey: config.apiKey,
    authScheme: config.authScheme,
    timeoutMs: config.timeoutMs,
    maxAttempts: config.maxAttempts,
    // A connection per request the in-flight limit allows, counts beside pages: fewer would queue
    // requests in the pool while the budget has room (a 1 s page on 4 connections caps a process at
    // 4 pages a second).
    connections: config.maxInFlight + IN_FLIGHT_DEFAULTS.maxCountsInFlight,
    budget,
    logger,
  });
}
