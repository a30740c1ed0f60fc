/**
 * How fast the request budget lets requests start after 429s: additive increase, multiplicative
 * decrease (AIMD, as TCP paces a shared link), in steps of one interval: `intervalMs` or
 * `intervalRequests` granted requests, whichever comes first. Counting requests keeps a busy fleet's
 * share of 429s, not its speed, in charge: measured in time alone, a fleet sending 100 requests a
 * second would see a 429 in every interval at a 3% share and be pushed down to about 10 a second.
 *
 * - A 429 lowers the rate to `decreaseFactor` of what it was, at most once per interval: the 429s that
 *   follow within the interval answer requests sent before the cut took effect.
 * - Each clean interval (no 429 in it) adds `increaseStep` of the configured rate, up to the full rate.
 * - A 429 pauses nobody: only its own request waits (the retry policy's short jittered backoff). A
 *   429 with `Retry-After` is the server's explicit wish; the token bucket pauses everyone for it.
 *
 * So a few 429s in a hundred (Harness's edge sends some without an overload behind them) keep the
 * rate near full, while a limit really exceeded (most requests 429) halves it within a few intervals.
 *
 * Pure functions over a plain JSON state: the in-process bucket and the Redis-backed one shared by all
 * workers run the same code on the same state.
 */

export interface RateControlParams {
  /** Fraction of the rate kept after a 429. */
  decreaseFactor: number;
  /** Fraction of the configured rate added back per clean interval. */
  increaseStep: number;
  /** Longest step: at most one decrease per interval, one increase per clean interval. */
  intervalMs: number;
  /** Granted requests that also end an interval (before `intervalMs` when requests are many). */
  intervalRequests: number;
  /** Lowest fraction of the configured rate 429s can push the rate down to. */
  minRateFactor: number;
}

export const RATE_CONTROL_DEFAULTS = {
  decreaseFactor: 0.75,
  increaseStep: 0.1,
  intervalMs: 1_000,
  intervalRequests: 10,
  minRateFactor: 1 / 16,
} as const satisfies RateControlParams;

/** The controller's state: plain numbers, so it can live in Redis as well as in memory. */
export interface RateControlState {
  /** Fraction of the configured rate in force, in [minRateFactor, 1]. */
  rateFactor: number;
  /** Start of the current interval (clean so far when no 429 came since). */
  intervalStartMs: number;
  /** Requests granted since `intervalStartMs`. */
  intervalGrants: number;
  /** When the rate was last lowered (-Infinity is not JSON, so a time far in the past). */
  decreasedAtMs: number;
  /** Requests granted since the rate was last lowered. */
  grantsSinceDecrease: number;
  /** When the rate first went below full in the current episode of 429s; null at full rate. */
  pacedSinceMs: number | null;
  /** 429s since `pacedSinceMs`. */
  pacedRateLimited: number;
  /** Lowest factor reached since `pacedSinceMs`. */
  lowestRateFactor: number;
}

/** What a step changed, for one log line per episode (not per request) and the rate gauge. */
export type RateEvent =
  | { kind: 'lowered'; fromFactor: number; toFactor: number; firstOfEpisode: boolean }
  | { kind: 'recovered'; pacedMs: number; rateLimited: number; lowestRateFactor: number };

export interface RateStep {
  state: RateControlState;
  /** At most a recovery then a decrease (a 429 right as the rate got back to full). */
  events: RateEvent[];
}

export function initialRateControlState(nowMs: number): RateControlState {
  return {
    rateFactor: 1,
    intervalStartMs: nowMs,
    intervalGrants: 0,
    decreasedAtMs: Number.MIN_SAFE_INTEGER,
    grantsSinceDecrease: 0,
    pacedSinceMs: null,
    pacedRateLimited: 0,
    lowestRateFactor: 1,
  };
}

/** Adds `increaseStep` per clean interval of time completed by `nowMs`; reports the return to full speed. */
export function recoverRate(state: RateControlState, params: RateControlParams, nowMs: number): RateStep {
  const intervals = Math.floor((nowMs - state.intervalStartMs) / params.intervalMs);
  if (intervals <= 0) return { state, events: [] };
  return stepUp(state, params, intervals, state.intervalStartMs + intervals * params.intervalMs);
}

/** Counts a granted request; the `intervalRequests`-th of a clean interval ends it with a step up. */
export function countGrant(state: RateControlState, params: RateControlParams, nowMs: number): RateStep {
  const counted = {
    ...state,
    intervalGrants: state.intervalGrants + 1,
    grantsSinceDecrease: state.grantsSinceDecrease + 1,
  };
  if (counted.intervalGrants < params.intervalRequests) return { state: counted, events: [] };
  return stepUp(counted, params, 1, Math.max(nowMs, state.intervalStartMs));
}

function stepUp(
  state: RateControlState,
  params: RateControlParams,
  intervals: number,
  intervalStartMs: number,
): RateStep {
  const next = { ...state, intervalStartMs, intervalGrants: 0 };
  if (state.rateFactor >= 1) return { state: next, events: [] };
  const rateFactor = Math.min(1, state.rateFactor + intervals * params.increaseStep);
  if (rateFactor < 1) return { state: { ...next, rateFactor }, events: [] };
  const event: RateEvent = {
    kind: 'recovered',
    pacedMs: Math.max(0, intervalStartMs - (state.pacedSinceMs ?? intervalStartMs)),
    rateLimited: state.pacedRateLimited,
    lowestRateFactor: state.lowestRateFactor,
  };
  return {
    state: {
      ...next,
      rateFactor,
      pacedSinceMs: null,
      pacedRateLimited: 0,
      lowestRateFactor: 1,
    },
    events: [event],
  };
}

/**
 * A 429 at `nowMs`: lowers the rate unless it was lowered within the last interval, and starts a new
 * interval, not clean, at `resumeAtMs` (the end of a `Retry-After` pause, else now).
 */
export function lowerRate(
  state: RateControlState,
  params: RateControlParams,
  nowMs: number,
  resumeAtMs: number = nowMs,
): RateStep {
  const recovered = recoverRate(state, params, nowMs);
  const current = recovered.state;
  const base = {
    ...current,
    intervalStartMs: Math.max(nowMs, resumeAtMs),
    intervalGrants: 0,
    pacedSinceMs: current.pacedSinceMs ?? nowMs,
    pacedRateLimited: current.pacedRateLimited + 1,
  };
  const cutThisInterval =
    nowMs - current.decreasedAtMs < params.intervalMs &&
    current.grantsSinceDecrease < params.intervalRequests;
  if (cutThisInterval) return { state: base, events: recovered.events };
  const rateFactor = Math.max(params.minRateFactor, current.rateFactor * params.decreaseFactor);
  return {
    state: {
      ...base,
      rateFactor,
      decreasedAtMs: nowMs,
      grantsSinceDecrease: 0,
      lowestRateFactor: Math.min(current.lowestRateFactor, rateFactor),
    },
    events: [
      ...recovered.events,
      {
        kind: 'lowered',
        fromFactor: current.rateFactor,
        toFactor: rateFactor,
        firstOfEpisode: current.pacedSinceMs === null,
      },
    ],
  };
}
