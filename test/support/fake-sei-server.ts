/**
 * A scripted SEI stand-in on a real `node:http` server over loopback, for client-level faults that need
 * exact control (this reply, then that one). Whole-endpoint behaviour is the simulator's job
 * (src/simulator/); this server answers whatever it was told to, in order, then the fallback.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeReply =
  /** A JSON answer (status 200 unless given). */
  | { kind: 'json'; status?: number; body: unknown; headers?: Record<string, string> }
  /** A raw text answer (an HTML error page, broken JSON). */
  | { kind: 'text'; status: number; body: string; headers?: Record<string, string> }
  /** The socket is destroyed before any response byte. */
  | { kind: 'reset' }
  /** Headers announce the whole body, part of it is sent, then the socket is destroyed. */
  | { kind: 'truncated'; body: unknown }
  /** Waits `delayMs` before giving `reply` (a slow server; a client timeout shorter than it fires first). */
  | { kind: 'slow'; delayMs: number; reply: FakeReply };

export interface FakeRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface FakeSeiServer {
  readonly url: string;
  readonly requests: FakeRequest[];
  /** Replies served in order, before the fallback. */
  enqueue(...replies: FakeReply[]): void;
  close(): Promise<void>;
}

export interface FakeSeiServerOptions {
  /** Answer once the queue is empty. @defaultValue an empty list page */
  fallback?: (request: FakeRequest) => FakeReply;
}

/** An SEI list envelope. */
export function listBody(records: unknown[], metadata: Record<string, unknown> = {}): unknown {
  return { records, count: records.length, _metadata: metadata };
}

export async function startFakeSeiServer(options: FakeSeiServerOptions = {}): Promise<FakeSeiServer> {
  const queue: FakeReply[] = [];
  const requests: FakeRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const fallback = options.fallback ?? (() => ({ kind: 'json', body: listBody([]) }) as FakeReply);

  const reply = (response: ServerResponse, answer: FakeReply): void => {
    switch (answer.kind) {
      case 'json': {
        const text = JSON.stringify(answer.body);
        response.writeHead(answer.status ?? 200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
          ...answer.headers,
        });
        response.end(text);
        return;
      }
      case 'text':
        response.writeHead(answer.status, {
          'content-type': 'text/html',
          'content-length': Buffer.byteLength(answer.body),
          ...answer.headers,
        });
        response.end(answer.body);
        return;
      case 'reset':
        response.socket?.destroy();
        return;
      case 'truncated': {
        const text = Buffer.from(JSON.stringify(answer.body));
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': text.length });
        response.write(text.subarray(0, Math.floor(text.length / 2)), () => response.socket?.destroy());
        return;
      }
      case 'slow': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!response.destroyed) reply(response, answer.reply);
        }, answer.delayMs);
        timers.add(timer);
        return;
      }
    }
  };

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://fake');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Kept as text: the test sees what was sent.
      }
      const recorded: FakeRequest = {
        method: request.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: request.headers,
        body,
      };
      requests.push(recorded);
      reply(response, queue.shift() ?? fallback(recorded));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...replies) => queue.push(...replies),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A budget that never waits and remembers what the client told it (client tests are not about pacing). */
export interface RecordingBudget {
  acquired: number;
  rateLimitedReports: Array<number | undefined>;
  acquire(signal?: AbortSignal): Promise<void>;
  reportRateLimited(retryAfterMs?: number): void;
}

export function recordingBudget(): RecordingBudget {
  const budget: RecordingBudget = {
    acquired: 0,
    rateLimitedReports: [],
    acquire: async (signal) => {
      signal?.throwIfAborted();
      budget.acquired++;
    },
    reportRateLimited: (retryAfterMs) => {
      budget.rateLimitedReports.push(retryAfterMs);
    },
  };
  return budget;
}
