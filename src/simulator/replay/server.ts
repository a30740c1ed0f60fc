/**
 * `sei-sync simulator --replay DIR`: serves a capture. A request matching a captured one (matching.ts)
 * gets the captured answer; one captured request asked again and again gets its captured answers in
 * order (a 429 then the 200 of the retry, ties in a new order on each pass), then the last one again.
 * A request not captured gets a 404 naming it and what to capture.
 *
 * Every answer is rendered to bytes once, at load, and served from memory: a replay costs next to no
 * CPU, so it can stand in for SEI in benchmarks; `latencyMs` adds a delay by timer.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CapturedExchange, type CaptureManifest, readCapture } from '../../capture/format.js';
import { requestKey } from './matching.js';

export interface ReplayOptions {
  /** A capture directory (`sei-sync capture --out`). */
  dir?: string;
  /** Or the exchanges themselves. */
  exchanges?: readonly CapturedExchange[];
  /** Delay of every answer, in ms. @defaultValue 0 */
  latencyMs?: number;
  /** @defaultValue 0 (a free port) */
  port?: number;
  /** @defaultValue '127.0.0.1' */
  host?: string;
  /** Told each request that was not captured. */
  onMiss?: (miss: ReplayMiss) => void;
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
  readonly misses: readonly ReplayMiss[];
  close(): Promise<void>;
}

interface RenderedAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

interface Recorded {
  answers: RenderedAnswer[];
  /** The next answer to give. */
  next: number;
}

/** Request bodies larger than this are refused (no list request comes close). */
const MAX_BODY_BYTES = 1_000_000;

function render(exchange: CapturedExchange): RenderedAnswer {
  const { response } = exchange;
  const body =
    response.body !== undefined
      ? Buffer.from(JSON.stringify(response.body))
      : Buffer.from(response.bodyText ?? '');
  return {
    status: response.status,
    headers: {
      'content-type': 'application/json',
      ...response.headers,
      'content-length': String(body.length),
    },
    body,
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
    entry.answers.push(render(exchange));
    recorded.set(key, entry);
    const known = paths.get(path) ?? { stream: exchange.stream, requests: 0 };
    known.requests++;
    paths.set(path, known);
  }
  const misses: ReplayMiss[] = [];
  let served = 0;
  const latencyMs = options.latencyMs ?? 0;

  const hintFor = (path: string): string => {
    const known = paths.get(path);
    if (known === undefined)
      return `the capture has no request to ${path}: capture again with the stream that reads it in --streams`;
    const pages = manifest ? ` (it was capped at --pages ${manifest.pagesPerStream})` : '';
    return `the capture holds ${known.requests} other requests of ${known.stream}${pages}: capture again with more --pages, or replay a sync with SEI_SYNC_CLOCK set to the manifest's clock`;
  };

  const send = (res: ServerResponse, answer: RenderedAnswer) => {
    const write = () => {
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    };
    if (latencyMs > 0) setTimeout(write, latencyMs);
    else write();
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: Buffer) => {
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
    const entry = recorded.get(requestKey(method, path, query, body));
    if (entry === undefined) {
      const miss: ReplayMiss = { method, path, query, body, hint: hintFor(path) };
      misses.push(miss);
      options.onMiss?.(miss);
      send(
        res,
        jsonAnswer(404, {
          status: 404,
          error: 'Not Captured',
          message: `not captured: ${method} ${path} with body ${JSON.stringify(body)}; ${miss.hint}`,
          notCaptured: { method, path, query, body },
        }),
      );
      return;
    }
    served++;
    const answer = entry.answers[Math.min(entry.next, entry.answers.length - 1)] as RenderedAnswer;
    entry.next++;
    send(res, answer);
  };

  const server = createServer((req, res) => {
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
      handle(req, res, Buffer.concat(chunks));
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
    misses,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function jsonAnswer(status: number, value: unknown): RenderedAnswer {
  const body = Buffer.from(JSON.stringify(value));
  return {
    status,
    headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
    body,
  };
}
