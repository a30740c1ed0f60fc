import { describe, expect, it } from 'vitest';
import {
  countGrant,
  initialRateControlState,
  lowerRate,
  RATE_CONTROL_DEFAULTS,
  type RateControlState,
  recoverRate,
} from '../../../../src/extract/sei/rate-control.js';

const P = RATE_CONTROL_DEFAULTS;
const I = P.intervalMs;

/** Feeds 429s at the given instants and reads the state at `untilMs`. */
function run(rateLimitedAtMs: readonly number[], untilMs: number) {
  let state: RateControlState = initialRateControlState(0);
  const events = [];
  for (const at of rateLimitedAtMs) {
    const step = lowerRate(state, P, at);
    state = step.state;
    events.push(...step.events);
  }
  const last = recoverRate(state, P, untilMs);
  events.push(...last.events);
  return { state: last.state, events };
}

describe('AIMD rate control', () => {
  it('lowers the rate multiplicatively on a 429, once per interval however many come', () => {
    const { state, events } = run([0, 10, 200, I - 1], 0);
    expect(state.rateFactor).toBe(P.decreaseFactor);
    expect(state.pacedRateLimited).toBe(4);
    expect(events).toEqual([
      { kind: 'lowered', fromFactor: 1, toFactor: P.decreaseFactor, firstOfEpisode: true },
    ]);
  });

  it('lowers again for a 429 in a later interval, down to the floor and no further', () => {
    // A 429 every half interval: a cut every interval, no interval clean.
    const times = Array.from({ length: 40 }, (_, n) => (n * I) / 2);
    const { state, events } = run(times, times.at(-1) ?? 0);
    expect(state.rateFactor).toBe(P.minRateFactor);
    const lowered = events.filter((event) => event.kind === 'lowered');
    expect(lowered[1]).toMatchObject({ fromFactor: P.decreaseFactor, firstOfEpisode: false });
    expect(lowered.filter((event) => event.kind === 'lowered' && event.firstOfEpisode)).toHaveLength(1);
  });

  it('adds a step per clean interval and reports the recovery once, with the episode', () => {
    const { state: limited } = run([0], 0);
    const partial = recoverRate(limited, P, I - 1);
    expect(partial.state.rateFactor).toBe(P.decreaseFactor);
    const steps = Math.ceil((1 - P.decreaseFactor) / P.increaseStep);
    const almost = recoverRate(limited, P, (steps - 1) * I);
    expect(almost.state.rateFactor).toBeCloseTo(P.decreaseFactor + (steps - 1) * P.increaseStep);
    expect(almost.events).toEqual([]);
    const full = recoverRate(almost.state, P, steps * I + 5);
    expect(full.state.rateFactor).toBe(1);
    expect(full.events).toEqual([
      { kind: 'recovered', pacedMs: steps * I, rateLimited: 1, lowestRateFactor: P.decreaseFactor },
    ]);
    expect(recoverRate(full.state, P, 100 * I).events).toEqual([]);
  });

  it('counts no interval as clean while 429s keep coming', () => {
    // A 429 every half interval: never a clean interval, so no step up between the cuts.
    const times = Array.from({ length: 6 }, (_, n) => (n * I) / 2);
    const { state } = run(times, times.at(-1) ?? 0);
    expect(state.rateFactor).toBeCloseTo(P.decreaseFactor ** 3);
  });

  it('starts the clean interval at the end of a Retry-After pause', () => {
    const limited = lowerRate(initialRateControlState(0), P, 0, 5_000).state;
    expect(recoverRate(limited, P, 5_000 + I - 1).state.rateFactor).toBe(P.decreaseFactor);
    expect(recoverRate(limited, P, 5_000 + I).state.rateFactor).toBeCloseTo(
      P.decreaseFactor + P.increaseStep,
    );
  });

  it('reports a recovery before a cut that starts a new episode at once', () => {
    const limited = lowerRate(initialRateControlState(0), P, 0).state;
    const later = lowerRate(limited, P, 100 * I);
    expect(later.events.map((event) => event.kind)).toEqual(['recovered', 'lowered']);
    expect(later.events[1]).toMatchObject({ fromFactor: 1, firstOfEpisode: true });
  });

  it('ends an interval after intervalRequests granted requests too, clean or not', () => {
    let state = lowerRate(initialRateControlState(0), P, 0).state;
    for (let n = 0; n < P.intervalRequests - 1; n++) state = countGrant(state, P, 1).state;
    expect(state.rateFactor).toBe(P.decreaseFactor);
    // A 429 before the interval's last grant is still in the cut's interval: no second cut.
    expect(lowerRate(state, P, 2).state.rateFactor).toBe(P.decreaseFactor);
    const stepped = countGrant(state, P, 2).state;
    expect(stepped.rateFactor).toBeCloseTo(P.decreaseFactor + P.increaseStep);
    expect(lowerRate(stepped, P, 3).state.rateFactor).toBeCloseTo(
      (P.decreaseFactor + P.increaseStep) * P.decreaseFactor,
    );
  });

  /** Mean rate factor of requests sent `perSecond` a second, every `every`-th answered 429. */
  function meanFactor(perSecond: number, every: number): number {
    let state = initialRateControlState(0);
    let sum = 0;
    const requests = 20_000;
    for (let n = 1; n <= requests; n++) {
      const at = (n * 1_000) / perSecond;
      state = recoverRate(state, P, at).state;
      state = countGrant(state, P, at).state;
      if (n % every === 0) state = lowerRate(state, P, at).state;
      sum += state.rateFactor;
    }
    return sum / requests;
  }

  it.each([10, 100, 1_000])(
    'keeps 3%% of 429s (the share Harness edge sends) near full rate at %i requests a second',
    (perSecond) => {
      expect(meanFactor(perSecond, 33)).toBeGreaterThan(0.85);
    },
  );

  it('pushes the rate well down when most requests are answered 429 (a limit really exceeded)', () => {
    expect(meanFactor(100, 2)).toBeLessThan(0.2);
  });
});
