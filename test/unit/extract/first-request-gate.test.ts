import { describe, expect, it } from 'vitest';
import { SEI_ERROR_CODES } from '../../../src/errors.js';
import { gateFirstRequest } from '../../../src/extract/first-request-gate.js';
import type { ListClient, ListResult } from '../../../src/extract/sei/client.js';
import { SeiError } from '../../../src/extract/sei/errors.js';

/** A client answering from a script, one answer per call, counting calls. */
function scripted(answers: (() => Promise<unknown>)[]): ListClient & { calls: number } {
  const client = {
    calls: 0,
    list<R>(): Promise<ListResult<R>> {
      const answer = answers[client.calls] ?? answers[answers.length - 1]!;
      client.calls += 1;
      return answer() as Promise<ListResult<R>>;
    },
  };
  return client;
}

const ok = () => Promise.resolve({ records: [] });
const auth = () =>
  Promise.reject(new SeiError({ code: SEI_ERROR_CODES.auth, message: 'SEI rejected the API key (401)' }));
const server = () => Promise.reject(new SeiError({ code: SEI_ERROR_CODES.server, message: 'HTTP 500' }));

const refused = () =>
  Promise.reject(
    new SeiError({
      code: SEI_ERROR_CODES.retriesExhausted,
      lastCode: SEI_ERROR_CODES.network,
      causeCode: 'ECONNREFUSED',
      attempts: 6,
      message: 'gave up after 6 attempts',
    }),
  );

describe('gateFirstRequest', () => {
  it('an unreachable host costs the first request only: one line naming the host, 0 attempts for the others', async () => {
    const client = scripted([refused]);
    const gated = gateFirstRequest(client, { host: 'sei.example:8443' });
    const results = await Promise.allSettled([0, 1, 2].map((page) => gated.list('/v1/x/list', { page })));
    expect(client.calls).toBe(1);
    const errors = results.map((r) => (r.status === 'rejected' ? (r.reason as SeiError) : undefined));
    expect(errors.map((e) => [e?.code, e?.attempts])).toEqual([
      [SEI_ERROR_CODES.unreachable, 6],
      [SEI_ERROR_CODES.unreachable, 0],
      [SEI_ERROR_CODES.unreachable, 0],
    ]);
    expect(errors[0]?.message).toMatch(
      /^cannot reach SEI at sei\.example:8443: connection refused .*SEI_BASE_URL/,
    );
  });

  it('sends one request when the key is wrong, and fails every waiting stream with its error', async () => {
    const client = scripted([auth]);
    const gated = gateFirstRequest(client);
    const results = await Promise.allSettled(
      Array.from({ length: 9 }, (_, page) => gated.list('/v1/x/list', { page })),
    );
    expect(client.calls).toBe(1);
    expect(results.every((r) => r.status === 'rejected' && r.reason.code === SEI_ERROR_CODES.auth)).toBe(
      true,
    );
  });

  it('a 404 from one list lets the others go; a 404 from a second list fails every waiting one', async () => {
    const notFound = () =>
      Promise.reject(
        new SeiError({ code: SEI_ERROR_CODES.notFound, message: 'SEI has no such endpoint (404)' }),
      );
    // One list this SEI does not serve: the next list is asked, answers, and opens the gate.
    const one = scripted([notFound, ok]);
    const gatedOne = gateFirstRequest(one);
    const first = await Promise.allSettled([
      gatedOne.list('/v1/missing/list', { page: 0 }),
      ...Array.from({ length: 4 }, () => gatedOne.list('/v1/x/list', { page: 0 })),
    ]);
    expect(first.map((r) => r.status)).toEqual([
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect(gatedOne.answered).toBe(true);
    // A base URL that serves no list: two requests, then every waiting list fails with the 404.
    const none = scripted([notFound]);
    const gatedNone = gateFirstRequest(none);
    const all = await Promise.allSettled([
      gatedNone.list('/v1/a/list', { page: 0 }),
      ...Array.from({ length: 4 }, () => gatedNone.list('/v1/b/list', { page: 0 })),
    ]);
    expect(none.calls).toBe(2);
    expect(all.every((r) => r.status === 'rejected' && r.reason.code === SEI_ERROR_CODES.notFound)).toBe(
      true,
    );
    expect(gatedNone.answered).toBe(false);
  });

  it('lets every stream go once the first answer is good', async () => {
    const client = scripted([ok]);
    const gated = gateFirstRequest(client);
    await Promise.all(Array.from({ length: 5 }, (_, page) => gated.list('/v1/x/list', { page })));
    await gated.list('/v1/x/list', { page: 9 });
    expect(client.calls).toBe(6);
  });

  it('does not hold back the others for a failure that is not about the credentials', async () => {
    const client = scripted([server, ok]);
    const gated = gateFirstRequest(client);
    const results = await Promise.allSettled([0, 1, 2].map((page) => gated.list('/v1/x/list', { page })));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(client.calls).toBe(3);
  });

  it('answers later calls from a credential failure for holdMs, then probes again (a fixed key is picked up)', async () => {
    const client = scripted([auth, ok]);
    let nowMs = 0;
    const gated = gateFirstRequest(client, { holdMs: 1000, nowMs: () => nowMs });
    await expect(gated.list('/v1/x/list', { page: 0 })).rejects.toThrow('401');
    nowMs = 999;
    await expect(gated.list('/v1/y/list', { page: 0 })).rejects.toThrow('401');
    expect(client.calls).toBe(1);
    nowMs = 1000;
    await expect(gated.list('/v1/x/list', { page: 0 })).resolves.toEqual({ records: [] });
    expect(client.calls).toBe(2);
  });
});
