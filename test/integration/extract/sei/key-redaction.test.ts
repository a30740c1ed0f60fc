/**
 * The API key must never leave the Authorization header: not in an error's message, stack, JSON or
 * inspection, not in a log line, whatever fails. The fake server even echoes the key back in its
 * error bodies, as a misbehaving proxy might.
 */
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walkKeyset } from '../../../../src/extract/keyset-walk.js';
import { SeiClient, type SeiClientOptions } from '../../../../src/extract/sei/client.js';
import { SeiError } from '../../../../src/extract/sei/errors.js';
import { createLogger } from '../../../../src/observability/logger.js';
import { Secret } from '../../../../src/secret.js';
import {
  type FakeReply,
  type FakeSeiServer,
  listBody,
  recordingBudget,
  startFakeSeiServer,
} from '../../../support/fake-sei-server.js';

const KEY = 'zz-DISTINCTIVE-sei-key-7f3a9c21-do-not-print';
const ECHO = `bad credentials: APIKEY ${KEY}`;

let server: FakeSeiServer;
let logText = '';

beforeAll(async () => {
  server = await startFakeSeiServer();
});
afterAll(async () => {
  await server.close();
});

function makeClient(baseUrl: string, overrides: Partial<SeiClientOptions> = {}): SeiClient {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logText += String(chunk);
      done();
    },
  });
  return new SeiClient({
    baseUrl,
    apiKey: new Secret(KEY),
    timeoutMs: 5_000,
    maxAttempts: 2,
    budget: recordingBudget(),
    logger: createLogger({ level: 'trace', destination: sink }),
    minRetryDelayMs: 1,
    maxRetryDelayMs: 2,
    maxRetryAfterMs: 5,
    ...overrides,
  });
}

function expectNoKey(error: unknown): void {
  expect(error).toBeInstanceOf(SeiError);
  const seiError = error as SeiError;
  const renderings = [
    seiError.message,
    seiError.stack ?? '',
    JSON.stringify(seiError),
    inspect(seiError, { depth: 10, showHidden: true }),
    String(seiError),
  ];
  for (const text of renderings) expect(text).not.toContain(KEY);
  // Logging the error the way callers will must not leak it either.
  const sink: string[] = [];
  const logger = createLogger({
    level: 'trace',
    destination: new Writable({
      write(chunk, _e, done) {
        sink.push(String(chunk));
        done();
      },
    }),
  });
  logger.error({ err: seiError }, seiError.message);
  expect(sink.join('')).not.toContain(KEY);
}

const failures: Array<[string, FakeReply[], Partial<SeiClientOptions>?]> = [
  ['401 echoing the key', [{ kind: 'json', status: 401, body: { message: ECHO } }]],
  ['403 echoing the key', [{ kind: 'json', status: 403, body: { message: ECHO } }]],
  ['404 echoing the key', [{ kind: 'text', status: 404, body: `<h1>${ECHO}</h1>` }]],
  ['400 echoing the key', [{ kind: 'json', status: 400, body: { message: ECHO } }]],
  [
    '429s exhausted',
    [
      { kind: 'json', status: 429, body: { error: ECHO } },
      { kind: 'json', status: 429, body: { error: ECHO } },
    ],
  ],
  [
    '500 HTML echoing the key',
    [
      { kind: 'text', status: 500, body: `<pre>${ECHO}</pre>` },
      { kind: 'text', status: 503, body: ECHO, headers: { 'retry-after': '1' } },
    ],
  ],
  ['connection resets', [{ kind: 'reset' }, { kind: 'reset' }]],
  [
    'timeouts',
    [
      { kind: 'slow', delayMs: 2_000, reply: { kind: 'json', body: listBody([]) } },
      { kind: 'slow', delayMs: 2_000, reply: { kind: 'json', body: listBody([]) } },
    ],
    { timeoutMs: 150 },
  ],
  [
    'truncated bodies',
    [
      { kind: 'truncated', body: listBody([{ note: ECHO }]) },
      { kind: 'truncated', body: listBody([{ note: ECHO }]) },
    ],
  ],
  [
    'unparseable JSON echoing the key',
    [
      { kind: 'text', status: 200, body: `{"records": ["${ECHO}"` },
      { kind: 'text', status: 200, body: `not json ${ECHO}` },
    ],
  ],
];

describe('the API key never escapes', () => {
  it.each(failures)('%s', async (_name, replies, overrides) => {
    const client = makeClient(`${server.url}/sei/api`, overrides);
    server.enqueue(...replies);
    let caught: unknown;
    try {
      await client.list('/v1/scm/prs/list', { page: 0, page_size: 10 });
    } catch (error) {
      caught = error;
    } finally {
      await client.close();
    }
    expectNoKey(caught);
  });

  it('connection refused', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
      });
    });
    const client = makeClient(`http://127.0.0.1:${port}`);
    const error = await client.list('/v1/scm/prs/list', { page: 0 }).catch((e: unknown) => e);
    await client.close();
    expect((error as SeiError).code).toBe('SEI_ERR_RETRIES_EXHAUSTED');
    expect((error as SeiError).causeCode).toBe('ECONNREFUSED');
    expectNoKey(error);
  });

  it('abort, in flight and through the time walk', async () => {
    const client = makeClient(server.url, { timeoutMs: 5_000 });
    server.enqueue({ kind: 'slow', delayMs: 2_000, reply: { kind: 'json', body: listBody([]) } });
    const controller = new AbortController();
    const walk = walkKeyset({
      client,
      source: {
        path: '/v1/scm/prs/list',
        sort: [{ id: 'pr_updated_at', desc: false }],
        pageSizeParam: 'page_size',
        recordKey: (record) => String(record.id),
      },
      cursor: {
        filter: { field: 'pr_updated_at', boundType: 'number', inclusive: false },
        recordField: 'pr_updated_at',
        recordUnit: 's',
        column: 'pr_updated_at',
        serverOrder: 'asc',
      },
      range: { from: 0, to: 2_000_000_000 },
      resumeAt: 0,
      pageSize: 10,
      maxRequests: 10,
      signal: controller.signal,
    });
    const requestsBefore = server.requests.length;
    const walking = (async () => {
      for await (const _page of walk) {
        // no page arrives before the abort
      }
    })().catch((e: unknown) => e);
    while (server.requests.length === requestsBefore) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort(new Error(`aborted while holding ${KEY}`));
    const error = await walking;
    await client.close();
    expect((error as SeiError).code).toBe('SEI_ERR_ABORTED');
    expectNoKey(error);
  });

  it('no log line of any of the above holds the key', () => {
    expect(logText.length).toBeGreaterThan(0);
    expect(logText).not.toContain(KEY);
  });
});
