import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FaultInjector } from '../../../src/simulator/faults.js';
import {
  DEFAULT_FAULTS,
  type SimulatorHandleWithExtras,
  startSimulator,
} from '../../../src/simulator/index.js';
import { post } from './post.js';

const JIRA = '/v1/jira_issues/list';
const body = { page: 0, page_size: 50, sort: [{ id: 'issue_updated_at', desc: false }] };
const OFF = { ...DEFAULT_FAULTS };

let sim: SimulatorHandleWithExtras;

beforeAll(async () => {
  sim = await startSimulator({ records: 200, seed: 4 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.setFaults(OFF);
  sim.clearRequestLog();
});

/** Raw request, to see exactly what arrives before the socket dies. */
function rawPost(
  path: string,
): Promise<{ status?: number; headers?: Record<string, unknown>; received: number; error?: string }> {
  return new Promise((resolve) => {
    const url = new URL(`${sim.url}${path}?there_is_no_cache=true`);
    const payload = JSON.stringify(body);
    // Node 24 also fails the request (ECONNRESET) once a started response is cut off; the response's own
    // 'aborted' follows and tells what arrived, so only an error before any response answers here.
    let responded = false;
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          authorization: `APIKEY ${sim.adminKey}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        responded = true;
        let received = 0;
        res.on('data', (chunk: Buffer) => {
          received += chunk.length;
        });
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, received }));
        res.on('error', (error) =>
          resolve({ status: res.statusCode, headers: res.headers, received, error: error.message }),
        );
        res.on('aborted', () =>
          resolve({ status: res.statusCode, headers: res.headers, received, error: 'aborted' }),
        );
      },
    );
    req.on('error', (error) => {
      if (!responded) resolve({ received: 0, error: (error as NodeJS.ErrnoException).code ?? error.message });
    });
    req.end(payload);
  });
}

describe('simulator faults', () => {
  it('429 without Retry-After', async () => {
    sim.setFaults({ rateLimited: 1 });
    const answer = await post(sim, JIRA, body);
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBeNull();
    expect(sim.requestLog[0]).toMatchObject({ status: 429, fault: 'rateLimited', records: 0 });
  });

  it('503 with Retry-After', async () => {
    sim.setFaults({ unavailable: 1, retryAfterSeconds: 7 });
    const answer = await post(sim, JIRA, body);
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('7');
  });

  it('500 with an HTML body', async () => {
    sim.setFaults({ serverError: 1 });
    const answer = await post(sim, JIRA, body);
    expect(answer.status).toBe(500);
    expect(answer.headers.get('content-type')).toBe('text/html');
    expect(answer.text).toMatch(/^<html>/);
  });

  it('resets the connection before any byte', async () => {
    sim.setFaults({ connectionReset: 1 });
    const result = await rawPost(JIRA);
    expect(result.status).toBeUndefined();
    expect(result.error).toMatch(/ECONNRESET|socket hang up/);
    await expect(post(sim, JIRA, body)).rejects.toThrow();
    expect(sim.requestLog[0]).toMatchObject({ status: 0, fault: 'connectionReset' });
  });

  it('truncates the body below its Content-Length', async () => {
    sim.setFaults({ truncatedBody: 1 });
    const result = await rawPost(JIRA);
    expect(result.status).toBe(200);
    const declared = Number(result.headers?.['content-length']);
    expect(result.received).toBeGreaterThan(0);
    expect(result.received).toBeLessThan(declared);
    expect(result.error).toBeDefined();
    await expect(post(sim, JIRA, body)).rejects.toThrow();
    expect(sim.requestLog[0]).toMatchObject({ status: 200, fault: 'truncatedBody', records: 50 });
  });

  it('answers slowly (logged as the slow fault), then normally', async () => {
    sim.setFaults({ slow: 1, slowMs: 20 });
    const answer = await post(sim, JIRA, body);
    expect(answer.status).toBe(200);
    expect(answer.json.count).toBe(50);
    expect(sim.requestLog[0]).toMatchObject({ status: 200, fault: 'slow' });
  });

  it('is reproducible for a seed, and takes faults from the options', async () => {
    const draw = (seed: number) => {
      const injector = new FaultInjector(seed, { rateLimited: 0.3, serverError: 0.2 });
      return Array.from({ length: 200 }, () => injector.decide().failure ?? '-').join(',');
    };
    expect(draw(3)).toBe(draw(3));
    expect(draw(3)).not.toBe(draw(4));
    const failures = draw(3).split(',');
    expect(failures.filter((f) => f === 'rateLimited').length).toBeGreaterThan(30);
    expect(failures.filter((f) => f === '-').length).toBeGreaterThan(60);
    expect(() => new FaultInjector(1, { rateLimited: 2 })).toThrow(RangeError);

    const local = await startSimulator({ records: 10, faults: { rateLimited: 1 } });
    try {
      expect((await post(local, JIRA, body)).status).toBe(429);
      local.setFaults({ rateLimited: 0 });
      expect((await post(local, JIRA, body)).status).toBe(200);
    } finally {
      await local.close();
    }
  });
});
