import { Writable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SEI_ERROR_CODES } from '../../../../src/errors.js';
import { SeiClient, type SeiClientOptions } from '../../../../src/extract/sei/client.js';
import { classify, SeiError } from '../../../../src/extract/sei/errors.js';
import { createLogger } from '../../../../src/observability/logger.js';
import { Secret } from '../../../../src/secret.js';
import {
  type FakeSeiServer,
  listBody,
  type RecordingBudget,
  recordingBudget,
  startFakeSeiServer,
} from '../../../support/fake-sei-server.js';

const KEY = 'client-faults-test-key';
const PATH = '/v1/jira_issues/list';
const BODY = { page: 3, page_size: 2, filter: {}, sort: [{ id: 'issue_updated_at', desc: false }] };
const PAGE = listBody([{ key: 'A-1' }, { key: 'A-2' }], { page: 3, page_size: 2, has_next: true });

let server: FakeSeiServer;
let client: SeiClient;
let budget: RecordingBudget;
let logLines: string[];

function makeClient(overrides: Partial<SeiClientOptions> = {}): SeiClient {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  return new SeiClient({
    baseUrl: `${server.url}/gratis/sei/api/`,
    apiKey: new Secret(KEY),
    timeoutMs: 2_000,
    maxAttempts: 4,
    budget,
    logger: createLogger({ level: 'debug', destination: sink }),
    minRetryDelayMs: 1,
    maxRetryDelayMs: 5,
    maxRetryAfterMs: 20,
    ...overrides,
  });
}

async function failure(promise: Promise<unknown>): Promise<SeiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SeiError);
    return error as SeiError;
  }
  throw new Error('expected the call to fail');
}

function retryLogs(): Array<Record<string, unknown>> {
  return logLines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((l) => l.delayMs !== undefined);
}

beforeAll(async () => {
  server = await startFakeSeiServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  await client?.close();
  server.requests.length = 0;
});

function setup(overrides: Partial<SeiClientOptions> = {}): void {
  budget = recordingBudget();
  logLines = [];
  client = makeClient(overrides);
}

describe('SeiClient over loopback', () => {
  it('POSTs JSON to the prefixed path with the auth header, no-cache query and the body', async () => {
    setup();
    server.enqueue({ kind: 'json', body: PAGE });
    const result = await client.list(PATH, BODY);
    expect(result).toMatchObject({ attempts: 1, retries: 0, rateLimited: 0 });
    expect(result.response.records).toEqual([{ key: 'A-1' }, { key: 'A-2' }]);
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/gratis/sei/api/v1/jira_issues/list');
    expect(request?.query.get('there_is_no_cache')).toBe('true');
    expect(request?.headers.authorization).toBe(`APIKEY ${KEY}`);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers.accept).toBe('application/json');
    expect(request?.body).toEqual(BODY);
    expect(budget.acquired).toBe(1);
  });

  it('uses the configured auth scheme', async () => {
    setup({ authScheme: 'Bearer' });
    await client.list(PATH, BODY);
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('retries a 429 without Retry-After and tells the budget', async () => {
    setup();
    server.enqueue(
      { kind: 'json', status: 429, body: { message: 'Too many requests' } },
      { kind: 'json', body: PAGE },
    );
    const result = await client.list(PATH, BODY);
    expect(result).toMatchObject({ attempts: 2, retries: 1, rateLimited: 1 });
    expect(budget.rateLimitedReports).toEqual([undefined]);
    expect(budget.acquired).toBe(2);
    expect(server.requests).toHaveLength(2);
    expect(client.stats).toMatchObject({ requests: 2, retries: 1, rateLimited: 1, failures: 0 });
  });

  it('honours Retry-After on a 503, capped by maxRetryAfterMs', async () => {
    setup();
    server.enqueue(
      { kind: 'json', status: 503, body: {}, headers: { 'retry-after': '7' } },
      { kind: 'json', body: PAGE },
    );
    const result = await client.list(PATH, BODY);
    expect(result.attempts).toBe(2);
    expect(retryLogs()).toEqual([
      expect.objectContaining({ code: 'SEI_ERR_SERVER', status: 503, delayMs: 20 }),
    ]);
    expect(budget.rateLimitedReports).toEqual([]);
  });

  it('passes a 429 Retry-After to the budget', async () => {
    setup();
    server.enqueue(
      { kind: 'json', status: 429, body: {}, headers: { 'retry-after': '0' } },
      { kind: 'json', body: PAGE },
    );
    await client.list(PATH, BODY);
    expect(budget.rateLimitedReports).toEqual([0]);
  });

  it('retries a 500 with an HTML body', async () => {
    setup();
    server.enqueue(
      { kind: 'text', status: 500, body: '<html><h1>Internal error</h1></html>' },
      { kind: 'json', body: PAGE },
    );
    expect((await client.list(PATH, BODY)).attempts).toBe(2);
    expect(retryLogs()[0]).toMatchObject({ code: 'SEI_ERR_SERVER', status: 500, page: 3, attempt: 1 });
  });

  it('retries a connection reset', async () => {
    setup();
    server.enqueue({ kind: 'reset' }, { kind: 'json', body: PAGE });
    expect((await client.list(PATH, BODY)).attempts).toBe(2);
    expect(retryLogs()[0]).toMatchObject({ code: 'SEI_ERR_NETWORK' });
  });

  it('times out a slow answer and retries', async () => {
    // The slow answer takes far longer than the timeout; the prompt one far less, even on a busy machine.
    setup({ timeoutMs: 500 });
    server.enqueue(
      { kind: 'slow', delayMs: 5_000, reply: { kind: 'json', body: PAGE } },
      { kind: 'json', body: PAGE },
    );
    expect((await client.list(PATH, BODY)).attempts).toBe(2);
    expect(retryLogs()[0]).toMatchObject({ code: 'SEI_ERR_TIMEOUT' });
  });

  it('retries a body shorter than its Content-Length', async () => {
    setup();
    server.enqueue({ kind: 'truncated', body: PAGE }, { kind: 'json', body: PAGE });
    const result = await client.list(PATH, BODY);
    expect(result.attempts).toBe(2);
    expect(result.response.records).toHaveLength(2);
    expect(retryLogs()[0]).toMatchObject({ code: 'SEI_ERR_BAD_RESPONSE' });
  });

  it('retries unparseable JSON and a body without records', async () => {
    setup();
    server.enqueue(
      { kind: 'text', status: 200, body: '{"records": [', headers: { 'content-type': 'application/json' } },
      { kind: 'json', body: { message: 'ok' } },
      { kind: 'json', body: PAGE },
    );
    expect((await client.list(PATH, BODY)).attempts).toBe(3);
    expect(retryLogs().map((l) => l.code)).toEqual(['SEI_ERR_BAD_RESPONSE', 'SEI_ERR_BAD_RESPONSE']);
  });

  it.each([
    [401, SEI_ERROR_CODES.auth, /SEI_API_KEY/],
    [403, SEI_ERROR_CODES.forbidden, /Admin key.*not an Ingestion key, not a Harness Platform key/],
    [404, SEI_ERROR_CODES.notFound, /SEI_ENV\/SEI_BASE_URL/],
    [400, SEI_ERROR_CODES.badRequest, /page_size cannot exceed 10000/],
  ])('does not retry a %i', async (status, code, message) => {
    setup();
    server.enqueue({ kind: 'json', status, body: { message: 'page_size cannot exceed 10000' } });
    const error = await failure(client.list(PATH, BODY));
    expect(server.requests).toHaveLength(1);
    expect(error).toMatchObject({
      code,
      status,
      method: 'POST',
      path: PATH,
      page: 3,
      retryable: false,
      attempts: 1,
    });
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
    expect(classify(error)).toBe('fatal');
  });

  it('gives up after maxAttempts naming the path, page, attempts and last status', async () => {
    setup({ maxAttempts: 3 });
    server.enqueue(...Array.from({ length: 3 }, () => ({ kind: 'json' as const, status: 502, body: {} })));
    const error = await failure(client.list(PATH, BODY));
    expect(server.requests).toHaveLength(3);
    expect(error).toMatchObject({
      code: SEI_ERROR_CODES.retriesExhausted,
      attempts: 3,
      status: 502,
      lastCode: SEI_ERROR_CODES.server,
      page: 3,
      retryable: true,
    });
    expect(error.message).toMatch(
      /POST \/v1\/jira_issues\/list page 3 after 3 attempts \(last: 502 SEI_ERR_SERVER\)/,
    );
    expect(classify(error)).toBe('retry');
    expect(client.stats.failures).toBe(1);
  });

  it('classifies exhausted 429s as rate limited', async () => {
    setup({ maxAttempts: 2 });
    server.enqueue({ kind: 'json', status: 429, body: {} }, { kind: 'json', status: 429, body: {} });
    const error = await failure(client.list(PATH, BODY));
    expect(classify(error)).toBe('rate_limited');
    expect(budget.rateLimitedReports).toHaveLength(2);
  });

  it('stops waiting for a retry when aborted', async () => {
    setup({ minRetryDelayMs: 60_000, maxRetryDelayMs: 60_000, random: () => 0.99 });
    server.enqueue({ kind: 'json', status: 500, body: {} });
    const controller = new AbortController();
    const pending = client.list(PATH, BODY, { signal: controller.signal });
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    const error = await failure(pending);
    expect(error.code).toBe(SEI_ERROR_CODES.aborted);
    expect(classify(error)).toBe('fatal');
  });

  it('aborts a request in flight', async () => {
    setup();
    server.enqueue({ kind: 'slow', delayMs: 1_500, reply: { kind: 'json', body: PAGE } });
    const controller = new AbortController();
    const pending = client.list(PATH, BODY, { signal: controller.signal });
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    expect((await failure(pending)).code).toBe(SEI_ERROR_CODES.aborted);
    expect(server.requests).toHaveLength(1);
  });

  it('refuses a key undici cannot put in a header, without retrying', async () => {
    setup({ apiKey: new Secret('bad\nkey') });
    const error = await failure(client.list(PATH, BODY));
    expect(error).toMatchObject({
      code: SEI_ERROR_CODES.badRequest,
      causeCode: 'UND_ERR_INVALID_ARG',
      attempts: 1,
    });
    expect(error.message).toMatch(/SEI_API_KEY and SEI_AUTH_SCHEME/);
    expect(server.requests).toHaveLength(0);
  });

  it('fails a call on a closed client as aborted, without retrying', async () => {
    setup();
    await client.close();
    const error = await failure(client.list(PATH, BODY));
    expect(error).toMatchObject({ code: SEI_ERROR_CODES.aborted, causeCode: 'UND_ERR_DESTROYED' });
    await client.close();
    expect(budget.acquired).toBe(1);
  });

  it('refuses to run without a key, saying to set SEI_API_KEY', async () => {
    setup({ apiKey: undefined });
    const error = await failure(client.list(PATH, BODY));
    expect(error.code).toBe(SEI_ERROR_CODES.noKey);
    expect(error.message).toMatch(/set SEI_API_KEY/);
    expect(server.requests).toHaveLength(0);
  });

  it('holds a body waiting for its parse place once, not also as the chunks it came in', async () => {
    setup();
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // After a full GC, V8 frees the dead array buffers on a background thread (concurrent array-buffer
    // sweeping), so `arrayBuffers` read right after one gc() may still count some or all of them: it read
    // 33.8 MB, 29.0 MB or 17.1 MB for the same 17.1 MB held. A full GC first finishes the sweep of the one
    // before, so a second gc() makes the reading count only what the first one found alive.
    const arrayBuffersAlive = (): number => {
      gc();
      gc();
      return process.memoryUsage().arrayBuffers;
    };
    // About 16 MiB of JSON, as a page of big records would be, served from a worker thread: its buffers
    // live in another isolate, so this one's array-buffer memory is the client's alone (an in-process
    // server released its copy of the body at a moment that varied with the load).
    const records = Array.from({ length: 16 }, (_, i) => ({ key: `A-${i}`, text: 'x'.repeat(2 ** 20) }));
    const bodyBytes = 16 * 2 ** 20;
    const sender = new Worker(
      `const { createServer } = require('node:http');
       const { parentPort, workerData } = require('node:worker_threads');
       const body = Buffer.from(workerData);
       const server = createServer((request, response) => {
         request.resume();
         request.on('end', () => {
           response.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
           response.end(body);
         });
       });
       server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));`,
      { eval: true, workerData: JSON.stringify(listBody(records)) },
    );
    try {
      const port = await new Promise<number>((resolve) => sender.once('message', resolve));
      const bigClient = makeClient({ baseUrl: `http://127.0.0.1:${port}/gratis/sei/api/` });
      gc();
      let waiting = 0;
      const result = await bigClient.list(PATH, BODY, {
        beforeParse: async () => {
          waiting = arrayBuffersAlive();
        },
      });
      expect(result.response.records).toHaveLength(16);
      // What the wait held beyond what is left once the list returned (the body then gone).
      const held = waiting - arrayBuffersAlive();
      // Once: the body itself (it was held twice). The lower bound checks that the body is seen at all.
      expect(held).toBeGreaterThan(bodyBytes * 0.5);
      expect(held).toBeLessThan(bodyBytes * 1.5);
    } finally {
      await sender.terminate();
    }
  });
});
