/**
 * Every way a call to SEI can fail, as one error class with a stable `code` callers branch on, and the
 * one `classify` that decides what to do about it (the client's retry loop and the BullMQ processors
 * both use it, so "what is worth retrying" is written once).
 *
 * Messages are one line and say what to check. They name the request (method, path, page) but never
 * the API key or any header: errors are built from our own words and status codes only; text that
 * comes from elsewhere (a server's 400 message) goes through `oneLine` and the key redaction first.
 */

import { SEI_ERROR_CODES, type SeiErrorCode } from '../../errors.js';

/**
 * HTTP statuses below 500 worth another attempt (429 is also "rate limited", see `classify`). Every
 * 5xx is retried as well (see `isRetryableStatus`): proxies and CDNs invent their own (520-530).
 */
export const RETRYABLE_STATUS_CODES: ReadonlySet<number> = new Set([408, 425, 429]);

/** Whether an HTTP status is worth another attempt. The one definition the client uses. */
export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUS_CODES.has(status) || (status >= 500 && status <= 599);
}

/** Error codes (of the request, not of SEI) worth another attempt. */
export const RETRYABLE_SEI_ERROR_CODES: ReadonlySet<SeiErrorCode> = new Set<SeiErrorCode>([
  SEI_ERROR_CODES.rateLimited,
  SEI_ERROR_CODES.server,
  SEI_ERROR_CODES.network,
  SEI_ERROR_CODES.timeout,
  SEI_ERROR_CODES.badResponse,
  // Not retried by the client (the host was not there for a whole retry series), but a later job may be.
  SEI_ERROR_CODES.unreachable,
  // Not retried by the client (it is the client's final verdict), but a BullMQ job may run again later.
  SEI_ERROR_CODES.retriesExhausted,
]);

/** Socket and undici error codes that mean "the network failed, try again". */
export const RETRYABLE_NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

/** Undici codes that are timeouts (mapped to SEI_ERR_TIMEOUT rather than SEI_ERR_NETWORK). */
export const TIMEOUT_ERROR_CODES: ReadonlySet<string> = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * Low-level codes meaning nothing answered at the address at all (as opposed to a reset mid-exchange),
 * with the words a message uses for them.
 */
export const UNREACHABLE_CAUSES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'no such host (DNS)',
  EAI_AGAIN: 'DNS lookup failed',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network unreachable',
  EHOSTDOWN: 'host down',
  ENETDOWN: 'network down',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
};

/** Which request an error is about. Never headers, never the key. */
export interface SeiRequestInfo {
  method: string;
  path: string;
  page: number | undefined;
}

export interface SeiErrorDetails extends Partial<SeiRequestInfo> {
  code: SeiErrorCode;
  /** One line, what happened and what to check. */
  message: string;
  status?: number;
  attempts?: number;
  /** For 429/503: how long the server asked us to wait, already parsed and capped. */
  retryAfterMs?: number;
  /** The low-level code behind a network failure (`ECONNRESET`, `UND_ERR_HEADERS_TIMEOUT`). */
  causeCode?: string;
  /** For SEI_ERR_RETRIES_EXHAUSTED: what the last attempt failed with. */
  lastCode?: SeiErrorCode;
}

export class SeiError extends Error {
  readonly code: SeiErrorCode;
  readonly method: string | undefined;
  readonly path: string | undefined;
  readonly page: number | undefined;
  readonly status: number | undefined;
  readonly attempts: number | undefined;
  /** Whether trying again later can help (false: fix the key, URL or request first). */
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly causeCode: string | undefined;
  readonly lastCode: SeiErrorCode | undefined;

  constructor(details: SeiErrorDetails) {
    super(oneLine(details.message));
    this.name = 'SeiError';
    this.code = details.code;
    this.method = details.method;
    this.path = details.path;
    this.page = details.page;
    this.status = details.status;
    this.attempts = details.attempts;
    this.retryAfterMs = details.retryAfterMs;
    this.causeCode = details.causeCode;
    this.lastCode = details.lastCode;
    this.retryable = RETRYABLE_SEI_ERROR_CODES.has(details.code);
  }

  /** For logs and job results: the fields, no stack. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      method: this.method,
      path: this.path,
      page: this.page,
      status: this.status,
      attempts: this.attempts,
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
      causeCode: this.causeCode,
      lastCode: this.lastCode,
    };
  }
}

export type ErrorClass = 'retry' | 'rate_limited' | 'fatal';

/**
 * What to do about an error:
 * - `rate_limited`: SEI said 429 (or the client gave up on a series of 429s): slow down, then retry;
 * - `retry`: transient (5xx, network, timeout, truncated body, retries exhausted at the request level:
 *   a later job attempt resumes from its checkpoint);
 * - `fatal`: retrying cannot help until someone fixes the key, URL or request, or the caller aborted.
 *   BullMQ processors turn this into `UnrecoverableError`.
 *
 * Errors that are not `SeiError`s (a database blip in a processor) are `retry` when they carry a
 * known network error code, else `retry` too: a job retried by mistake costs a little time, while a
 * transient failure wrongly declared fatal loses a run. Programming errors surface either way.
 */
export function classify(error: unknown): ErrorClass {
  if (error instanceof SeiError) {
    if (error.code === SEI_ERROR_CODES.rateLimited) return 'rate_limited';
    if (error.code === SEI_ERROR_CODES.retriesExhausted) {
      return error.lastCode === SEI_ERROR_CODES.rateLimited ? 'rate_limited' : 'retry';
    }
    return error.retryable ? 'retry' : 'fatal';
  }
  return 'retry';
}

/** True for socket/undici errors that mean the request may be sent again. */
export function isRetryableNetworkError(error: unknown): boolean {
  const code = errorCodeOf(error);
  return code !== undefined && RETRYABLE_NETWORK_ERROR_CODES.has(code);
}

/** `error.code` when it is a string (Node system errors, undici errors). */
export function errorCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** Collapses white space (newlines included) so that a message stays on one line, and bounds it. */
export function oneLine(text: string, maxChars = 500): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > maxChars ? `${flat.slice(0, maxChars - 1)}…` : flat;
}

/** `POST /v1/jira_issues/list page 3`, for messages. */
export function describeRequest(request: Partial<SeiRequestInfo>): string {
  const parts = [request.method ?? 'POST', request.path ?? '(unknown path)'];
  if (request.page !== undefined) parts.push(`page ${request.page}`);
  return parts.join(' ');
}

/** The error for an HTTP status that is not 2xx. `serverMessage` must already be redacted. */
export function errorForStatus(
  request: SeiRequestInfo,
  status: number,
  options: { serverMessage?: string; retryAfterMs?: number; attempts?: number } = {},
): SeiError {
  const what = describeRequest(request);
  const base = { ...request, status, attempts: options.attempts, retryAfterMs: options.retryAfterMs };
  const said = options.serverMessage ? `: "${oneLine(options.serverMessage, 200)}"` : '';
  switch (status) {
    case 401:
      return new SeiError({
        ...base,
        code: SEI_ERROR_CODES.auth,
        message: `SEI rejected the API key (401) on ${what}; check that SEI_API_KEY is a current SEI API key of this environment (SEI_ENV/SEI_BASE_URL)`,
      });
    case 403:
      return new SeiError({
        ...base,
        code: SEI_ERROR_CODES.forbidden,
        message: `SEI refused the API key (403) on ${what}; the key must be an SEI Admin key for this environment (not an Ingestion key, not a Harness Platform key)`,
      });
    case 404:
      return new SeiError({
        ...base,
        code: SEI_ERROR_CODES.notFound,
        message: `SEI has no such endpoint (404) for ${what}; check SEI_ENV/SEI_BASE_URL (e.g. https://app.harness.io/gratis/sei/api)`,
      });
    case 400:
      return new SeiError({
        ...base,
        code: SEI_ERROR_CODES.badRequest,
        message: `SEI rejected the request (400) on ${what}${said}; check SEI_PAGE_SIZE and the stream's filter`,
      });
    case 429:
      return new SeiError({
        ...base,
        code: SEI_ERROR_CODES.rateLimited,
        message: `SEI rate limit hit (429) on ${what}; lower SEI_REQUESTS_PER_MINUTE or stop other tools using this key`,
      });
    default:
      if (isRetryableStatus(status)) {
        return new SeiError({
          ...base,
          code: SEI_ERROR_CODES.server,
          message: `SEI answered ${status} on ${what}${said}; SEI or a proxy in between is failing, check Harness status or try later`,
        });
      }
      // A redirect (not followed: it would resend the key elsewhere) or a 4xx SEI does not document.
      return new SeiError({
        ...base,
        code: SEI_ERROR_CODES.badRequest,
        message: `SEI answered ${status} on ${what}${said}; ${status < 400 ? 'a redirect: check that SEI_BASE_URL/SEI_ENV is the SEI API base itself' : 'check SEI_BASE_URL/SEI_ENV and SEI_PAGE_SIZE'}`,
      });
  }
}

/** Undici codes meaning our own pool was closed: the client is shutting down, nothing to retry. */
export const CLIENT_CLOSED_ERROR_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);

/** Codes meaning the request could not even be built (a header value undici refuses). */
export const INVALID_REQUEST_ERROR_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_INVALID_ARG',
  'ERR_INVALID_CHAR',
]);

/** The same error, stamped with the attempt it happened on (errors are built before that is known). */
export function withAttempts(error: SeiError, attempts: number): SeiError {
  if (error.attempts === attempts) return error;
  return new SeiError({
    code: error.code,
    message: error.message,
    method: error.method,
    path: error.path,
    page: error.page,
    status: error.status,
    attempts,
    retryAfterMs: error.retryAfterMs,
    causeCode: error.causeCode,
    lastCode: error.lastCode,
  });
}

export function noKeyError(): SeiError {
  return new SeiError({
    code: SEI_ERROR_CODES.noKey,
    message: 'no SEI API key configured; set SEI_API_KEY (or SEI_API_KEY_FILE) to an SEI Admin API key',
  });
}

export function abortedError(request: Partial<SeiRequestInfo>, attempts?: number): SeiError {
  return new SeiError({
    ...request,
    attempts,
    code: SEI_ERROR_CODES.aborted,
    message: `${describeRequest(request)} was aborted (the sync was cancelled or is shutting down)`,
  });
}

export function retriesExhaustedError(last: SeiError, attempts: number): SeiError {
  const lastWhat = last.status !== undefined ? `${last.status} ${last.code}` : last.code;
  return new SeiError({
    method: last.method,
    path: last.path,
    page: last.page,
    status: last.status,
    attempts,
    retryAfterMs: last.retryAfterMs,
    causeCode: last.causeCode,
    lastCode: last.code,
    code: SEI_ERROR_CODES.retriesExhausted,
    message: `gave up on ${describeRequest(last)} after ${attempts} attempts (last: ${lastWhat}): ${last.message}`,
  });
}

/** Whether a request failed (after its retries) without ever reaching the host (see UNREACHABLE_CAUSES). */
export function isUnreachableError(error: unknown): error is SeiError {
  return (
    error instanceof SeiError &&
    error.causeCode !== undefined &&
    Object.hasOwn(UNREACHABLE_CAUSES, error.causeCode) &&
    error.code !== SEI_ERROR_CODES.aborted
  );
}

/**
 * The one line for a host that could not be reached: which host, what happened, what to check. `host`
 * is the base URL's host and port (the configuration refuses credentials in it).
 */
export function unreachableError(last: SeiError, host: string): SeiError {
  const cause = last.causeCode ?? 'unknown';
  const tries = last.attempts !== undefined && last.attempts > 1 ? `, ${last.attempts} attempts` : '';
  return new SeiError({
    method: last.method,
    path: last.path,
    page: last.page,
    attempts: last.attempts,
    causeCode: last.causeCode,
    lastCode: last.lastCode ?? last.code,
    code: SEI_ERROR_CODES.unreachable,
    message: `cannot reach SEI at ${host}: ${UNREACHABLE_CAUSES[cause] ?? cause} (${cause}${tries}); check SEI_ENV / SEI_BASE_URL, the network, and any proxy or firewall in between`,
  });
}
