/**
 * What 429s would cost a run of `requests` requests at the budget's rate: the rate controller
 * (./rate-control.ts) replayed over a budget-bound run where every (1/share)-th answer is a 429 that
 * is sent again. For `plan` and `verify --plan`, which know the requests but not the server's mood.
 */
import {
  countGrant,
  initialRateControlState,
  lowerRate,
  RATE_CONTROL_DEFAULTS,
  type RateControlParams,
  recoverRate,
} from './rate-control.js';

/** The share of 429s issue 19 measured at Harness's edge: assumed when none was observed. */
export const REFERENCE_RATE_LIMITED_SHARE = 0.03;

export function minutesWithRateLimits(
  requests: number,
  requestsPerMinute: number,
  share: number,
  params: RateControlParams = RATE_CONTROL_DEFAULTS,
): number {
  if (!(share > 0) || requests <= 0) return requests / requestsPerMinute;
  const every = Math.max(1, Math.round(1 / Math.min(share, 0.99)));
  let state = initialRateControlState(0);
  let nowMs = 0;
  let answered = 0;
  for (let sent = 1; answered < requests; sent++) {
    nowMs += 60_000 / (requestsPerMinute * state.rateFactor);
    state = countGrant(recoverRate(state, params, nowMs).state, params, nowMs).state;
    if (sent % every === 0) state = lowerRate(state, params, nowMs).state;
    else answered++;
  }
  return nowMs / 60_000;
}

/** One plain line for the plans: the share seen (or assumed) and what it would cost. */
export function rateLimitCostLine(
  requests: number,
  requestsPerMinute: number,
  observed: { rateLimited: number; requests: number },
): string {
  const seen = observed.rateLimited > 0 ? observed.rateLimited / observed.requests : undefined;
  const share = seen ?? REFERENCE_RATE_LIMITED_SHARE;
  const minutes = minutesWithRateLimits(requests, requestsPerMinute, share);
  const clean = requests / requestsPerMinute;
  const extra = clean > 0 ? Math.round((minutes / clean - 1) * 100) : 0;
  const why =
    seen === undefined
      ? `no 429 among this plan's ${observed.requests} requests; if ${share * 100}% of answers were 429 (as Harness's edge sends)`
      : `${(share * 100).toFixed(1)}% of this plan's ${observed.requests} requests were answered 429; at that share`;
  return `429s: ${why}, about ${minutes.toFixed(1)} minutes (+${extra}%), each retried at a lowered rate (docs/rate-limits.md)`;
}
