/**
 * What the request budget tells people: one log line when 429s start pacing requests (with the new
 * rate) or a `Retry-After` pauses them (with its length), one when the full rate is back, and two
 * metrics: the time requests spent waiting for the budget and the rate in force.
 */
import type { BudgetEvent, BudgetObserver } from '../extract/sei/budget.js';
import type { Logger } from './logger.js';
import type { SyncMetrics } from './metrics.js';

const perMinute = (rate: number) => Math.round(rate);

export function budgetObserver(options: {
  logger: Logger;
  metrics?: Pick<SyncMetrics, 'budgetWaitSeconds' | 'budgetRate'>;
  configuredRequestsPerMinute: number;
}): BudgetObserver {
  const { logger, metrics } = options;
  metrics?.budgetRate.set(options.configuredRequestsPerMinute);
  return {
    onWait: (ms) => metrics?.budgetWaitSeconds.inc(ms / 1000),
    onRate: (rate) => metrics?.budgetRate.set(rate),
    onEvent: (event, configured) => logEvent(logger, event, configured),
  };
}

function logEvent(logger: Logger, event: BudgetEvent, configured: number): void {
  switch (event.kind) {
    case 'paused':
      logger.warn(
        { pauseMs: event.pauseMs },
        `SEI answered 429 with Retry-After: every request of this key waits ${(event.pauseMs / 1000).toFixed(1)} s`,
      );
      return;
    case 'lowered': {
      const rate = perMinute(event.toFactor * configured);
      // Later cuts of the same episode are news only to someone debugging the controller.
      if (!event.firstOfEpisode) {
        logger.debug({ requestsPerMinute: rate }, `SEI answered 429 again: ${rate} requests/minute`);
        return;
      }
      logger.warn(
        { requestsPerMinute: rate, configuredRequestsPerMinute: configured },
        `SEI answered 429: pacing requests at ${rate}/minute (of ${configured}) until the 429s stop`,
      );
      return;
    }
    case 'recovered':
      logger.info(
        {
          pacedMs: event.pacedMs,
          rateLimited: event.rateLimited,
          lowestRequestsPerMinute: perMinute(event.lowestRateFactor * configured),
        },
        `SEI requests back at the full ${configured}/minute after ${(event.pacedMs / 1000).toFixed(0)} s paced (${event.rateLimited} 429s, lowest ${perMinute(event.lowestRateFactor * configured)}/minute)`,
      );
      return;
  }
}
