/**
 * Pausing the simulator: after N list requests every further one is held until released, in-process
 * and through the admin endpoint (for a simulator in another process). The worker stop tests rely on it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GATE_PATH, type SimulatorHandleWithExtras, startSimulator } from '../../../src/simulator/index.js';
import { post } from './post.js';

const JIRA = '/v1/jira_issues/list';
const USERS = '/v1/org/users/list';
const body = { page: 0, page_size: 10 };

let sim: SimulatorHandleWithExtras;

beforeAll(async () => {
  sim = await startSimulator({ records: 50, seed: 3 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.releaseRequests();
  sim.clearRequestLog();
});

describe('simulator gate', () => {
  it('answers N list requests, holds the next ones, answers them on release', async () => {
    sim.holdRequests({ after: 2 });
    const first = await post(sim, JIRA, body);
    const second = await post(sim, USERS, body);
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = post(sim, JIRA, body);
    const fourth = post(sim, USERS, body);
    await sim.whenHeld(2);
    expect(sim.gate).toEqual({ holding: true, held: 2, remaining: 0 });
    expect(sim.requestLog).toHaveLength(2);
    sim.releaseRequests();
    expect([(await third).status, (await fourth).status]).toEqual([200, 200]);
    expect(sim.gate).toEqual({ holding: false, held: 0, remaining: 0 });
    expect(sim.requestLog).toHaveLength(4);
  });

  it('counts only the named stream, then holds every stream', async () => {
    sim.holdRequests({ after: 1, stream: 'jira_issues' });
    expect((await post(sim, USERS, body)).status).toBe(200);
    expect((await post(sim, USERS, body)).status).toBe(200);
    expect((await post(sim, JIRA, body)).status).toBe(200);
    const held = post(sim, USERS, body);
    await sim.whenHeld(1);
    expect(sim.gate.held).toBe(1);
    sim.releaseRequests();
    expect((await held).status).toBe(200);
  });

  it('is controlled over HTTP with the admin key, and refuses other keys', async () => {
    const hold = await post(sim, GATE_PATH, { hold: { after: 0 } });
    expect(hold.status).toBe(200);
    expect(JSON.parse(hold.text)).toEqual({ holding: true, held: 0, remaining: 0 });
    const held = post(sim, JIRA, body);
    await sim.whenHeld(1);
    const state = await post(sim, GATE_PATH, undefined, { method: 'GET' });
    expect(JSON.parse(state.text)).toMatchObject({ held: 1 });
    expect(sim.requestLog).toHaveLength(0);

    const refused = await post(
      sim,
      GATE_PATH,
      { release: true },
      { authorization: `APIKEY ${sim.ingestionKey}` },
    );
    expect(refused.status).toBe(403);
    expect(sim.gate.held).toBe(1);
    const bad = await post(sim, GATE_PATH, { hold: { after: 1, stream: 'nope' } });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toContain('unknown stream "nope"');

    expect((await post(sim, GATE_PATH, { release: true })).status).toBe(200);
    expect((await held).status).toBe(200);
    // The control requests are not in the request log: only the list request is.
    expect(sim.requestLog.map((entry) => entry.path)).toEqual([JIRA]);
  });
});
