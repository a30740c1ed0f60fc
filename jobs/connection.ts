/**
 * Redis connections for BullMQ. `maxRetriesPerRequest: null` is what BullMQ workers require: a command
 * issued while Redis is away waits for the reconnect instead of failing, so a Redis restart costs a
 * pause, not the jobs in flight.
 */
import { Redis } from 'ioredis';
import { describeServiceError, ServiceUnavailableError, serviceAddress } from '../src/service-errors.js';

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

/**
 * A fail-fast connection for one-shot commands (`schedule`, `run-now`), checked with a PING first: when
 * Redis is not there the command fails with one line naming it and its address, before BullMQ starts
 * (whose own connection attempts would otherwise end in an unhandled rejection and a stack trace).
 */
export async function openOneShotRedis(
  url: string,
  options: { connectionName?: string } = {},
): Promise<Redis> {
  const connection = createRedisConnection(url, { ...options, failFast: true });
  let lastError: unknown;
  connection.on('error', (error) => {
    lastError = error;
  });
  try {
    await connection.ping();
    return connection;
  } catch (error) {
    connection.disconnect();
    const address = serviceAddress(url);
    throw (
      describeServiceError('Redis', address, lastError ?? error) ??
      new ServiceUnavailableError(
        'Redis',
        address,
        `cannot reach Redis at ${address}; check that Redis is running and REDIS_URL`,
      )
    );
  }
}
