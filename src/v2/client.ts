/**
 * The SEI 2.0 HTTP client: JSON calls and streamed downloads under `<base>/v2/...`, behind the same
 * request budget and retry policy as the 1.0 client (429s slow every caller of the budget down).
 *
 * Every call carries the key in the configured header (`authorization: ApiKey <key>` or `x-api-key`),
 * the account in the configured place (`Harness-Account` header or `account` parameter), and the
 * `orgIdentifier` / `projectIdentifier` parameters. The key is revealed into that header only, and
 * never sent to another origin (a pre-signed download URL elsewhere gets no key).
 */
import type { Readable } from 'node:stream';
import { Pool, request as undiciRequest } from 'undici';
import { SEI_ERROR_CODES } from '../errors.js';
import type { RequestBudget } from '../extract/sei/budget.js';
import { RETRY_DEFAULTS } from '../extract/sei/defaults.js';
import {
  abortedError,
  describeRequest,
  errorCodeOf,
  errorForStatus,
  oneLine,
  SeiError,
  type SeiRequestInfo,
} from '../extract/sei/errors.js';
import { parseRetryAfterMs, runWithRetries } from '../extract/sei/retry.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import { redact } from '../secret.js';
import { countRequest } from './request-meter.js';
import type { V2AccountPlace, V2KeyHeader, V2Settings } from './settings.js';

export interface V2ClientOptions {
  settings: V2Settings;
  budget: RequestBudget;
  timeoutMs: number;
  /** @defaultValue 6 */
  maxAttempts?: number;
  logger?: Logger;
}

/** Where the key and the account go; the configured one unless a probe (doctor) says otherwise. */
export interface V2Placement {
  keyHeader: V2KeyHeader;
  accountPlace: V2AccountPlace;
}

export interface V2JsonAnswer {
  status: number;
  body: unknown;
}

export interface V2Download {
  body: Readable;
  contentType: string;
  filename: string | undefined;
}

const MAX_ERROR_BYTES = 16 * 1024;

export class V2Client {
  /** HTTP requests sent (every attempt), for the run ledger. */
  requests = 0;
  readonly #pool: Pool;
  readonly #origin: string;
  readonly #prefix: string;

  constructor(readonly options: V2ClientOptions) {
    const url = new URL(options.settings.baseUrl);
    this.#origin = url.origin;
    this.#prefix = url.pathname.replace(/\/+$/, '');
    this.#pool = new Pool(url.origin, {
      connections: 4,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  get settings(): V2Settings {
    return this.options.settings;
  }

  /** `/v2/...` under the base, with the project (and, when so placed, the account) parameters. */
  pathOf(path: string, query: Record<string, string> = {}, placement = this.#placement()): string {
    const { account, orgIdentifier, projectIdentifier } = this.settings;
    const params = new URLSearchParams({ ...query, orgIdentifier, projectIdentifier });
    if (placement.accountPlace === 'query') params.set('account', account);
    const joined = path.startsWith(this.#prefix) ? path : `${this.#prefix}${path}`;
    const separator = joined.includes('?') ? '&' : '?';
    return `${joined}${separator}${params.toString()}`;
  }

  /** A JSON call, retried as the 1.0 client retries; a non-2xx answer throws a `SeiError`. */
  async json(
    method: 'GET' | 'POST',
    path: string,
    options: { query?: Record<string, string>; body?: unknown; signal?: AbortSignal } = {},
  ): Promise<V2JsonAnswer> {
    const request: SeiRequestInfo = { method, path, page: undefined };
    const outcome = await this.#withRetries(request, options.signal, async () => {
      const response = await this.#pool.request({
        method,
        path: this.pathOf(path, options.query),
        headers: {
          ...this.#headers(this.#placement()),
          accept: 'application/json',
          ...(options.body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
        ...(options.signal && { signal: options.signal }),
      });
      if (response.statusCode < 200 || response.statusCode >= 300) {
        const text = await readLimited(response.body);
        throw this.#statusError(request, response.statusCode, text, response.headers['retry-after']);
      }
      const text = await response.body.text();
      let body: unknown;
      try {
        body = text === '' ? null : JSON.parse(text);
      } catch {
        throw new SeiError({
          ...request,
          code: SEI_ERROR_CODES.badResponse,
          message: `SEI 2.0 sent an unreadable answer to ${describeRequest(request)} (invalid JSON, ${text.length} characters)`,
        });
      }
      return { status: response.statusCode, body };
    });
    return outcome;
  }

  /**
   * Opens a download and returns its body as a stream (the caller must consume or destroy it). A URL
   * on the API's origin goes with the key; one elsewhere (a pre-signed link) without it.
   */
  async download(urlOrPath: string, signal?: AbortSignal): Promise<V2Download> {
    const url = new URL(urlOrPath, `${this.#origin}${this.#prefix}/`);
    const sameOrigin = url.origin === this.#origin;
    const request: SeiRequestInfo = { method: 'GET', path: url.pathname, page: undefined };
    return this.#withRetries(request, signal, async () => {
      const response = sameOrigin
        ? await this.#pool.request({
            method: 'GET',
            path: this.pathOf(url.pathname, withoutProject(url.searchParams)),
            headers: this.#headers(this.#placement()),
            ...(signal && { signal }),
          })
        : await undiciRequest(url, { method: 'GET', ...(signal && { signal }) });
      if (response.statusCode < 200 || response.statusCode >= 300) {
        const text = await readLimited(response.body);
        throw this.#statusError(request, response.statusCode, text, response.headers['retry-after']);
      }
      const disposition = String(response.headers['content-disposition'] ?? '');
      return {
        body: response.body,
        contentType: String(response.headers['content-type'] ?? ''),
        filename: /filename="?([^";]+)"?/.exec(disposition)?.[1],
      };
    });
  }

  /**
   * One attempt, no retry, with the given placement: what the server answers (for `doctor`). Never
   * throws for an HTTP answer; a network failure is status 0.
   */
  async probe(path: string, placement: V2Placement, query: Record<string, string> = {}) {
    try {
      await this.options.budget.acquire();
      this.requests++;
      countRequest();
      const response = await this.#pool.request({
        method: 'GET',
        path: this.pathOf(path, query, placement),
        headers: { ...this.#headers(placement), accept: 'application/json' },
      });
      const text = await readLimited(response.body);
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Not JSON: the text is the answer.
      }
      return { status: response.statusCode, body, text: this.#clean(serverMessage(text)) };
    } catch (error) {
      return { status: 0, body: undefined, text: errorCodeOf(error) ?? 'network error' };
    }
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }

  #placement(): V2Placement {
    return { keyHeader: this.settings.keyHeader, accountPlace: this.settings.accountPlace };
  }

  #headers(placement: V2Placement): Record<string, string> {
    const key = this.settings.apiKey?.reveal() ?? '';
    const headers: Record<string, string> =
      placement.keyHeader === 'authorization' ? { authorization: `ApiKey ${key}` } : { 'x-api-key': key };
    if (placement.accountPlace === 'header') headers['harness-account'] = this.settings.account;
    return headers;
  }

  async #withRetries<T>(
    request: SeiRequestInfo,
    signal: AbortSignal | undefined,
    attempt: () => Promise<T>,
  ): Promise<T> {
    if (!this.settings.apiKey || this.settings.apiKey.reveal() === '') {
      throw new SeiError({
        ...request,
        code: SEI_ERROR_CODES.noKey,
        message: 'no SEI 2.0 API key: set SEI_V2_API_KEY (or SEI_API_KEY) to an SEI 2.0 key of the project',
      });
    }
    try {
      const outcome = await runWithRetries(
        async () => {
          await this.options.budget.acquire(signal);
          this.requests++;
          countRequest();
          try {
            return await attempt();
          } catch (error) {
            const seiError = this.#toSeiError(error, request, signal);
            if (seiError.code === SEI_ERROR_CODES.rateLimited)
              await this.options.budget.reportRateLimited(seiError.retryAfterMs);
            throw seiError;
          }
        },
        {
          ...RETRY_DEFAULTS,
          maxAttempts: this.options.maxAttempts ?? RETRY_DEFAULTS.maxAttempts,
        },
        {
          ...(signal && { signal }),
          onRetry: (error, attemptNumber, delayMs) =>
            (this.options.logger ?? silentLogger).warn(
              { code: error.code, status: error.status, path: request.path, attempt: attemptNumber, delayMs },
              `SEI 2.0 request failed, retrying: ${error.message}`,
            ),
        },
      );
      return outcome.value;
    } catch (error) {
      throw this.#toSeiError(error, request, signal);
    }
  }

  #statusError(request: SeiRequestInfo, status: number, text: string, retryAfter: unknown): SeiError {
    const said = this.#clean(serverMessage(text));
    const what = describeRequest(request);
    const base = { ...request, status };
    if (status === 401)
      return new SeiError({
        ...base,
        code: SEI_ERROR_CODES.auth,
        message: `SEI 2.0 rejected the key (401) on ${what}; check SEI_V2_API_KEY and SEI_V2_KEY_HEADER (run \`sei-sync doctor\` to see which header the server accepts)`,
      });
    if (status === 403)
      return new SeiError({
        ...base,
        code: SEI_ERROR_CODES.forbidden,
        message: `SEI 2.0 refused the key (403) on ${what}${said ? `: "${said}"` : ''}; the key must be an SEI Admin key of project SEI_V2_ORG/SEI_V2_PROJECT in account SEI_V2_ACCOUNT`,
      });
    if (status === 400)
      return new SeiError({
        ...base,
        code: SEI_ERROR_CODES.badRequest,
        message: `SEI 2.0 rejected the request (400) on ${what}${said ? `: "${said}"` : ''}; check SEI_V2_ACCOUNT_IN, SEI_V2_ORG, SEI_V2_PROJECT and the export settings`,
      });
    return errorForStatus(request, status, {
      ...(said && { serverMessage: said }),
      ...(typeof retryAfter === 'string' && {
        retryAfterMs: parseRetryAfterMs(retryAfter, Date.now(), RETRY_DEFAULTS.maxRetryAfterMs),
      }),
    });
  }

  #clean(text: string): string {
    return oneLine(redact(text, [this.settings.apiKey]), 200);
  }

  #toSeiError(error: unknown, request: SeiRequestInfo, signal: AbortSignal | undefined): SeiError {
    if (signal?.aborted) return abortedError(request);
    if (error instanceof SeiError) return error;
    const causeCode = errorCodeOf(error) ?? (error instanceof Error ? error.name : 'unknown');
    return new SeiError({
      ...request,
      causeCode,
      code: SEI_ERROR_CODES.network,
      message: `network error (${causeCode}) reaching SEI 2.0 at ${new URL(this.#origin).host} on ${describeRequest(request)}; check SEI_V2_BASE_URL and the connection`,
    });
  }
}

/** A download URL's own parameters, without the project ones (`pathOf` adds those). */
function withoutProject(params: URLSearchParams): Record<string, string> {
  const rest: Record<string, string> = {};
  for (const [name, value] of params) {
    if (!['orgIdentifier', 'projectIdentifier', 'account'].includes(name)) rest[name] = value;
  }
  return rest;
}

function serverMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const picked = parsed?.message ?? parsed?.error ?? parsed?.detail;
    if (typeof picked === 'string') return picked;
  } catch {
    // Not JSON.
  }
  return text.replace(/<[^>]*>/g, ' ');
}

async function readLimited(body: AsyncIterable<unknown>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buffer = chunk as Buffer;
      if (size < MAX_ERROR_BYTES) chunks.push(buffer.subarray(0, MAX_ERROR_BYTES - size));
      size += buffer.length;
    }
  } catch {
    // The status says enough.
  }
  return Buffer.concat(chunks).toString('utf8');
}
