/**
 * Redis connections for BullMQ. `maxRetriesPerRequest: null` is what BullMQ workers require: a command
 * issued while Redis is away waits for the reconnect instead of failing, so a Redis restart costs a
 * pause, not the jobs in flight.
 */
import { Redis } from 'ioredis';

export interface RedisConnectionOptions {
  /** Longest pause between reconnect attempts. @defaultValue 5000 */
  maxReconnectDelayMs?: number;
  /**
   * For one-shot commands (`run-now`, `schedule`, `status`): give up after a few seconds with an error
   * instead of waiting for Redis forever. @defaultValue false
   */
  failFast?: boolean;
  /** `CLIENT SETNAME`, shown by `CLIENT LIST` (BullMQ's duplicated connections keep it). */
  connectionName?: string;
}

export const REDIS_DEFAULTS = { maxReconnectDelayMs: 5_000, failFastAttempts: 3 } as const;

export function createRedisConnection(url: string, options: RedisConnectionOptions = {}): Redis {
  const maxDelayMs = options.maxReconnectDelayMs ?? REDIS_DEFAULTS.maxReconnectDelayMs;
  if (options.failFast) {
    return new Redis(url, {
      ...(options.connectionName && { connectionName: options.connectionName }),
      maxRetriesPerRequest: REDIS_DEFAULTS.failFastAttempts,
      connectTimeout: 5_000,
      retryStrategy: (attempt) => (attempt > REDIS_DEFAULTS.failFastAttempts ? null : attempt * 200),
    });
  }
  return new Redis(url, {
    ...(options.connectionName && { connectionName: options.connectionName }),
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    // 100 ms, 200 ms, ... up to the cap: reconnect forever; the ops server's /readyz reports the outage.
    retryStrategy: (attempt) => Math.min(attempt * 100, maxDelayMs),
  });
}
