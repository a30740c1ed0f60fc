/**
 * Where a replay sends a request it has no captured answer for: an upstream SEI (in the benchmarks, the
 * simulator that made the capture, started again with the same scale, mix and seed), to which the
 * request goes as it came — method, path, query, body and headers, the API key included — and whose
 * answer the replay gives back. A sync whose requests depend on timing (work stealing splits a running
 * slice at a page it reached) then still gets every page.
 */
import { Agent, type IncomingHttpHeaders, request } from 'node:http';

export interface ReplayFallback {
  /** Base URL of the upstream: the request's path (after the capture's prefix) and query go after it. */
  baseUrl: string;
}

export interface ForwardedAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Headers of one connection, not of the request or answer: never passed on. */
const HOP_BY_HOP = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);

function passedOn(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export interface Forwarder {
  forward(
    method: string,
    pathAndQuery: string,
    headers: IncomingHttpHeaders,
    body: Buffer,
  ): Promise<ForwardedAnswer>;
  close(): void;
}

/** A forwarder to `fallback.baseUrl` over kept-alive connections (http only: the upstream is local). */
export function createForwarder(fallback: ReplayFallback): Forwarder {
  const base = new URL(fallback.baseUrl);
  if (base.protocol !== 'http:')
    throw new Error(`replay fallback: only http:// is supported, not ${base.protocol}`);
  const prefix = base.pathname.replace(/\/$/, '');
  const agent = new Agent({ keepAlive: true });
  const send = (
    method: string,
    pathAndQuery: string,
    headers: IncomingHttpHeaders,
    body: Buffer,
    retryOnReuse: boolean,
  ): Promise<ForwardedAnswer> =>
    new Promise<ForwardedAnswer>((resolve, reject) => {
      const outgoing = request(
        {
          agent,
          method,
          host: base.hostname,
          port: base.port,
          path: `${prefix}${pathAndQuery}`,
          headers: { ...passedOn(headers), 'content-length': String(body.length) },
        },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('error', reject);
          answer.on('end', () => {
            const answerBody = Buffer.concat(chunks);
            resolve({
              status: answer.statusCode ?? 502,
              headers: { ...passedOn(answer.headers), 'content-length': String(answerBody.length) },
              body: answerBody,
            });
          });
        },
      );
      outgoing.on('error', (error: NodeJS.ErrnoException) => {
        // A kept-alive connection the upstream closed as this request went out (its idle timeout
        // races the reuse): the request, a read, goes once more on a new connection.
        if (retryOnReuse && outgoing.reusedSocket && error.code === 'ECONNRESET')
          send(method, pathAndQuery, headers, body, false).then(resolve, reject);
        else reject(error);
      });
      outgoing.end(body);
    });
  return {
    forward: (method, pathAndQuery, headers, body) => send(method, pathAndQuery, headers, body, true),
    close: () => agent.destroy(),
  };
}
