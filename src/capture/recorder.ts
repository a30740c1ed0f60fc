/**
 * Records what the SEI client sends and receives during a capture: one file per exchange, told by the
 * client's `onExchange` hook (the one place every request passes), and a gate in front of the client
 * that stops a stream's walk after `--pages` list requests.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SYNC_ERROR_CODES } from '../errors.js';
import type { ListCallOptions, ListClient, ListRequestBody, SeiExchange } from '../extract/sei/client.js';
import type { SeiRecord } from '../extract/sei/types.js';
import { redact, type Secret } from '../secret.js';
import { type CapturedExchange, EXCHANGES_DIR, exchangeFileName } from './format.js';
import type { Redactor } from './redact.js';

/** The stream of a request no stream declares (none today; said rather than guessed). */
export const UNKNOWN_STREAM = 'unknown';

/** Thrown in place of the request after a stream's `--pages`: its walk stops there. */
export class CaptureLimitError extends Error {
  readonly code = SYNC_ERROR_CODES.captureLimit;
  readonly retryable = false;
  constructor(stream: string, pages: number) {
    super(`capture stopped ${stream} after ${pages} pages (--pages)`);
    this.name = 'CaptureLimitError';
  }
}

export interface RecorderOptions {
  /** The capture directory (prepared: `exchanges/` exists and is empty). */
  dir: string;
  /** List requests recorded per stream; the next one is refused. */
  pagesPerStream: number;
  streamOfPath(path: string): string | undefined;
  /** Removed from every byte written (the API key). */
  secrets: ReadonlyArray<Secret | undefined>;
  redactor?: Redactor;
}

export interface StreamTally {
  pages: number;
  exchanges: number;
  limitReached: boolean;
}

export class CaptureRecorder {
  readonly #options: RecorderOptions;
  readonly #tallies = new Map<string, StreamTally>();
  #seq = 0;

  constructor(options: RecorderOptions) {
    this.#options = options;
  }

  get exchanges(): number {
    return this.#seq;
  }

  tally(stream: string): StreamTally {
    let tally = this.#tallies.get(stream);
    if (tally === undefined) {
      tally = { pages: 0, exchanges: 0, limitReached: false };
      this.#tallies.set(stream, tally);
    }
    return tally;
  }

  /** For the client's `onExchange`: writes the exchange at once (a capture cut short keeps what it had). */
  readonly onExchange = (exchange: SeiExchange): void => {
    const stream = this.#streamOf(exchange.path);
    this.tally(stream).exchanges++;
    const scrub = (text: string) => redact(text, this.#options.secrets);
    const redactor = this.#options.redactor;
    const requestBody = parseJson(scrub(exchange.requestBody));
    const responseBody = parseJson(scrub(exchange.responseBody));
    const captured: CapturedExchange = {
      seq: ++this.#seq,
      stream,
      request: {
        method: exchange.method,
        path: exchange.path,
        query: { ...exchange.query },
        body: redactor && requestBody.ok ? redactor.value(requestBody.value) : requestBody.value,
      },
      response: {
        status: exchange.status,
        headers: { ...exchange.headers },
        ...(responseBody.ok
          ? { body: redactor ? redactor.value(responseBody.value) : responseBody.value }
          : { bodyText: redactor ? redactor.string(responseBody.value as string) : responseBody.value }),
      },
    };
    // Scrubbed again as written: the key must not reach the disk by any path (an escape, a header).
    const text = scrub(`${JSON.stringify(captured, null, 2)}\n`);
    writeFileSync(join(this.#options.dir, EXCHANGES_DIR, exchangeFileName(captured)), text);
  };

  /** `client` refusing a stream's requests after `pagesPerStream` of them. */
  limit(client: ListClient): ListClient {
    return {
      list: async <R = SeiRecord>(path: string, body: ListRequestBody, options?: ListCallOptions) => {
        const stream = this.#streamOf(path);
        const tally = this.tally(stream);
        if (tally.pages >= this.#options.pagesPerStream) {
          tally.limitReached = true;
          throw new CaptureLimitError(stream, tally.pages);
        }
        tally.pages++;
        return client.list<R>(path, body, options);
      },
    };
  }

  #streamOf(path: string): string {
    return this.#options.streamOfPath(path) ?? UNKNOWN_STREAM;
  }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; value: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, value: text };
  }
}
