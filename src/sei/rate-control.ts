/**
 * How fast the request budget lets requests start after 429s: additive increase, multiplicative
 * decrease (AIMD, as TCP paces a shared link), in steps of one interval.
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
  /** Length of one step: at most one decrease per interval, one increase per clean interval. */
  intervalMs: number;
  /** Lowest fraction of the configured rate 429s can push the rate down to. */
  minRateFactor: number;
}

export const RATE_CONTROL_DEFAULTS = {
  decreaseFactor: 0.75,
  increaseStep: 0.1,
  intervalMs: 1_000,
  minRateFactor: 1 / 16,
} as const satisfies RateControlParams;

/** The controller's state: plain numbers, so it can live in Redis as well as in memory. */
export interface RateControlState {
  /** Fraction of the configured rate in force, in [minRateFactor, 1]. */
  rateFactor: number;
  /** Start of the current interval (clean so far when no 429 came since). */
  intervalStartMs: number;
  /** When the rate was last lowered (-Infinity is not JSON, so a time far in the past). */
  decreasedAtMs: number;
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
    decreasedAtMs: Number.MIN_SAFE_INTEGER,
    pacedSinceMs: null,
    pacedRateLimited: 0,
    lowestRateFactor: 1,
  };
}

/** Adds `increaseStep` per clean interval completed by `nowMs`; reports the return to full speed. */
export function recoverRate(state: RateControlState, params: RateControlParams, nowMs: number): RateStep {
  const intervals = Math.floor((nowMs - state.intervalStartMs) / params.intervalMs);
  if (intervals <= 0) return { state, events: [] };
  const intervalStartMs = state.intervalStartMs + intervals * params.intervalMs;
  if (state.rateFactor >= 1) return { state: { ...state, intervalStartMs }, events: [] };
  const rateFactor = Math.min(1, state.rateFactor + intervals * params.increaseStep);
  if (rateFactor < 1) return { state: { ...state, rateFactor, intervalStartMs }, events: [] };
  const event: RateEvent = {
    kind: 'recovered',
    pacedMs: Math.max(0, intervalStartMs - (state.pacedSinceMs ?? intervalStartMs)),
    rateLimited: state.pacedRateLimited,
    lowestRateFactor: state.lowestRateFactor,
  };
  return {
    state: {
      ...state,
      rateFactor,
      intervalStartMs,
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
    pacedSinceMs: current.pacedSinceMs ?? nowMs,
    pacedRateLimited: current.pacedRateLimited + 1,
  };
  if (nowMs - current.decreasedAtMs < params.intervalMs) return { state: base, events: recovered.events };
  const rateFactor = Math.max(params.minRateFactor, current.rateFactor * params.decreaseFactor);
  return {
    state: {
      ...base,
      rateFactor,
      decreasedAtMs: nowMs,
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
