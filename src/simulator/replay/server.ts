/**
 * `sei-sync simulator --replay DIR`: serves a capture. A request matching a captured one (matching.ts)
 * gets the captured answer; one captured request asked again and again gets its captured answers in
 * order (a 429 then the 200 of the retry, ties in a new order on each pass), then the last one again.
 * A request not captured gets a 404 naming it and what to capture, or, given a `fallback` (./fallback.ts),
 * the answer of the upstream it is forwarded to, delayed as a captured answer would be.
 *
 * Every answer is rendered to bytes once, at load, and served from memory: a replay costs next to no
 * CPU, so it can stand in for SEI in benchmarks; `latencyMs` adds a delay by timer, and `latency`
 * the simulator's model of a loaded tenant (../latency.ts) by timer too: each answer is delayed as
 * the simulator would have delayed it, by the records on the page and the records its offset skips.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CapturedExchange, type CaptureManifest, readCapture } from '../../capture/format.js';
import { type LatencyModel, latencyMs as modelLatencyMs } from '../latency.js';
import { createForwarder, type ForwardedAnswer, type ReplayFallback } from './fallback.js';
import { requestKey } from './matching.js';

export interface ReplayOptions {
  /** A capture directory (`sei-sync capture --out`). */
  dir?: string;
  /** Or the exchanges themselves. */
  exchanges?: readonly CapturedExchange[];
  /** Delay of every answer, in ms. @defaultValue 0 */
  latencyMs?: number;
  /**
   * Delay of each list answer by the simulator's latency model (on top of `latencyMs`): by the records
   * on the page and the records skipped before it (page × page size of the request). Computed once per
   * answer at load and applied by timer, as the simulator applies it to the answers it serves (2xx).
   * @defaultValue none
   */
  latency?: LatencyModel;
  /** @defaultValue 0 (a free port) */
  port?: number;
  /** @defaultValue '127.0.0.1' */
  host?: string;
  /**
   * Where a request that was not captured is forwarded, as it came (method, path, query, body, headers),
   * its answer given back with the delays above. Without it, such a request gets a 404.
   * @defaultValue none
   */
  fallback?: ReplayFallback;
  /** Told each request that was not captured and got no answer (no fallback, or the fallback failed). */
  onMiss?: (miss: ReplayMiss) => void;
  /**
   * Told each request answered, from the capture or by the fallback, when it arrived (a benchmark's
   * request timeline).
   */
  onServe?: (served: ReplayServed) => void;
}

export interface ReplayServed {
  /** ms since epoch when the request arrived. */
  at: number;
  method: string;
  path: string;
  body: unknown;
  status: number;
  /** Records in the answer (0 for errors and answers without a `records` list). */
  records: number;
  /** The delay the answer is given (`latencyMs` plus the model's), in ms. */
  delayMs: number;
  /** Answered by the fallback (not captured). */
  forwarded: boolean;
}

export interface ReplayMiss {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  /** What to capture to have it. */
  hint: string;
}

export interface ReplayServer {
  url: string;
  manifest: CaptureManifest | undefined;
  /** Requests answered from the capture. */
  readonly served: number;
  /** Requests not captured that the fallback answered. */
  readonly forwarded: number;
  /** Requests not captured that got no answer (a 404 without a fallback, a 502 when it failed). */
  readonly misses: readonly ReplayMiss[];
  close(): Promise<void>;
}

interface RenderedAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Records in the answer's `records` list. */
  records: number;
  /** The model's delay of this answer, in ms (0 without a model). */
  modelDelayMs: number;
}

interface Recorded {
  answers: RenderedAnswer[];
  /** The next answer to give. */
  next: number;
}

/** Request bodies larger than this are refused (no list request comes close). */
const MAX_BODY_BYTES = 1_000_000;

/** A whole number at `key` of a JSON object, or 0. */
function countAt(value: unknown, key: string): number {
  const found = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : 0;
  return typeof found === 'number' && Number.isFinite(found) ? found : 0;
}

/** Records in an answer's `records` list (0 without one). */
function recordsOf(answer: unknown): number {
  const list =
    answer !== null && typeof answer === 'object' ? (answer as { records?: unknown }).records : undefined;
  return Array.isArray(list) ? list.length : 0;
}

/** The model's delay of an answer to `requestBody` holding `records` records, in ms. */
function modelDelayOf(
  latency: LatencyModel | undefined,
  status: number,
  records: number,
  requestBody: unknown,
): number {
  // The simulator delays what it served; an error it answered at once.
  if (latency === undefined || status < 200 || status >= 300) return 0;
  const skipped = countAt(requestBody, 'page') * countAt(requestBody, 'page_size');
  return modelLatencyMs(latency, records, skipped);
}

function render(exchange: CapturedExchange, latency: LatencyModel | undefined): RenderedAnswer {
  const { request, response } = exchange;
  const body =
    response.body !== undefined
      ? Buffer.from(JSON.stringify(response.body))
      : Buffer.from(response.bodyText ?? '');
  const records = recordsOf(response.body);
  return {
    status: response.status,
    headers: {
      'content-type': 'application/json',
      ...response.headers,
      'content-length': String(body.length),
    },
    body,
    records,
    modelDelayMs: modelDelayOf(latency, response.status, records, request.body),
  };
}

/** An upstream's answer as one the replay gives (its records counted only for a 2xx JSON list). */
function renderForwarded(
  answer: ForwardedAnswer,
  requestBody: unknown,
  latency: LatencyModel | undefined,
): RenderedAnswer {
  let records = 0;
  if (answer.status >= 200 && answer.status < 300) {
    try {
      records = recordsOf(JSON.parse(answer.body.toString('utf8')));
    } catch {
      // Not JSON: no records, as a captured `bodyText` answer.
    }
  }
  return {
    ...answer,
    records,
    modelDelayMs: modelDelayOf(latency, answer.status, records, requestBody),
  };
}

export async function startReplayServer(options: ReplayOptions): Promise<ReplayServer> {
  const loaded = options.dir === undefined ? undefined : readCapture(options.dir);
  const exchanges = options.exchanges ?? loaded?.exchanges ?? [];
  const manifest = loaded?.manifest;
  const prefix = manifest?.source.pathPrefix ?? '';
  const recorded = new Map<string, Recorded>();
  /** Captured requests per path, and their stream, for the hint of a miss. */
  const paths = new Map<string, { stream: string; requests: number }>();
  for (const exchange of [...exchanges].sort((a, b) => a.seq - b.seq)) {
    const { method, path, query, body } = exchange.request;
    const key = requestKey(method, path, query, body);
    const entry = recorded.get(key) ?? { answers: [], next: 0 };
    entry.answers.push(render(exchange, options.latency));
    recorded.set(key, entry);
    const known = paths.get(path) ?? { stream: exchange.stream, requests: 0 };
    known.requests++;
    paths.set(path, known);
  }
  const misses: ReplayMiss[] = [];
  let served = 0;
  let forwarded = 0;
  const forwarder = options.fallback === undefined ? undefined : createForwarder(options.fallback);
  const latencyMs = options.latencyMs ?? 0;

  const hintFor = (path: string): string => {
    const known = paths.get(path);
    if (known === undefined)
      return `the capture has no request to ${path}: capture again with the stream that reads it in --streams`;
    const pages = manifest ? ` (it was capped at --pages ${manifest.pagesPerStream})` : '';
    return `the capture holds ${known.requests} other requests of ${known.stream}${pages}: capture again with more --pages, or replay a sync with SEI_SYNC_CLOCK set to the manifest's clock (and SEI_SYNC_WORK_STEALING unset or false)`;
  };

  const send = (res: ServerResponse, answer: RenderedAnswer, delayMs = latencyMs) => {
    const write = () => {
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    };
    if (delayMs > 0) setTimeout(write, delayMs);
    else write();
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: Buffer, at: number) => {
    const url = new URL(req.url ?? '/', 'http://replay');
    let path = url.pathname;
    if (prefix !== '' && path.startsWith(`${prefix}/`)) path = path.slice(prefix.length);
    const query = Object.fromEntries(url.searchParams.entries());
    const method = req.method ?? 'GET';
    let body: unknown = null;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        send(res, jsonAnswer(400, { status: 400, message: 'the request body is not JSON' }));
        return;
      }
    }
    const serve = (answer: RenderedAnswer, isForwarded: boolean) => {
      const delayMs = latencyMs + answer.modelDelayMs;
      options.onServe?.({
        at,
        method,
        path,
        body,
        status: answer.status,
        records: answer.records,
        delayMs,
        forwarded: isForwarded,
      });
      send(res, answer, delayMs);
    };
    const entry = recorded.get(requestKey(method, path, query, body));
    if (entry !== undefined) {
      served++;
      const answer = entry.answers[Math.min(entry.next, entry.answers.length - 1)] as RenderedAnswer;
      entry.next++;
      serve(answer, false);
      return;
    }
    const unanswered = (status: number, error: string, hint: string) => {
      const miss: ReplayMiss = { method, path, query, body, hint };
      misses.push(miss);
      options.onMiss?.(miss);
      send(
        res,
        jsonAnswer(status, {
          status,
          error,
          message: `not captured: ${method} ${path} with body ${JSON.stringify(body)}; ${hint}`,
          notCaptured: { method, path, query, body },
        }),
      );
    };
    if (forwarder === undefined) {
      unanswered(404, 'Not Captured', hintFor(path));
      return;
    }
    forwarder.forward(method, `${path}${url.search}`, req.headers, raw).then(
      (answer) => {
        forwarded++;
        serve(renderForwarded(answer, body, options.latency), true);
      },
      (error: Error) =>
        unanswered(
          502,
          'Fallback Failed',
          `the fallback ${options.fallback?.baseUrl} failed: ${error.message}`,
        ),
    );
  };

  const server = createServer((req, res) => {
    const at = Date.now();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) {
        send(res, jsonAnswer(413, { status: 413, message: 'request body too large' }));
        return;
      }
      handle(req, res, Buffer.concat(chunks), at);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}${prefix}`,
    manifest,
    get served() {
      return served;
    },
    get forwarded() {
      return forwarded;
    },
    misses,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        forwarder?.close();
      }),
  };
}

function jsonAnswer(status: number, value: unknown): RenderedAnswer {
  const body = Buffer.from(JSON.stringify(value));
  return {
    status,
    headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
    body,
    records: 0,
    modelDelayMs: 0,
  };
}
