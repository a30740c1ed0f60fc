/**
 * One log line when a service goes away and one when it is back, however many times its driver
 * reports the same outage (ioredis and each BullMQ connection report every reconnect attempt).
 */
import type { Logger } from './logger.js';

export interface OutageLog {
  /** A failure reaching the service: logged only when it was up before. */
  down(error: unknown): void;
  /** The service answers again: logged only when it was down. */
  up(): void;
}

/** `ECONNREFUSED`, else the first line of the message. */
function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'unknown';
}

export function createOutageLog(logger: Logger, service: string, address: string): OutageLog {
  let isDown = false;
  return {
    down(error) {
      if (isDown) return;
      isDown = true;
      logger.warn(
        { service, address, state: 'down', reason: reasonOf(error) },
        `${service} at ${address} is unreachable (${reasonOf(error)}); jobs wait and resume when it is back`,
      );
    },
    up() {
      if (!isDown) return;
      isDown = false;
      logger.info({ service, address, state: 'up' }, `${service} at ${address} is back`);
    },
  };
}
