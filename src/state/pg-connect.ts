/**
 * The pg pool as Kysely sees it, with two things pg-pool does not do: a server with no free
 * connection slot (53300) or still starting up (57P03) is waited for, within a bound, instead of
 * failing a stream at once; and a connection that cannot be made fails with one line naming
 * PostgreSQL, its address and what to do (./../service-errors.ts).
 */
import type { PostgresPool } from 'kysely';
import type pg from 'pg';
import { sleep } from '../extract/sei/retry.js';
import { describeServiceError } from '../service-errors.js';

export interface PgConnectOptions {
  /** Longest wait for a free connection slot. @defaultValue 60000 */
  waitForSlotMs?: number;
  /** First pause between tries, doubled each time up to `maxDelayMs`. @defaultValue 250 */
  firstDelayMs?: number;
  /** @defaultValue 5000 */
  maxDelayMs?: number;
  /** @defaultValue Date.now */
  nowMs?: () => number;
  /** Called before each wait for a slot, with the server's refusal. */
  onWait?: (error: unknown) => void;
}

export const PG_CONNECT_DEFAULTS = { waitForSlotMs: 60_000, firstDelayMs: 250, maxDelayMs: 5_000 } as const;

/** SQLSTATEs that pass by themselves: too many clients, the database system is starting up. */
export const PG_WAIT_CODES: ReadonlySet<string> = new Set(['53300', '57P03']);

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function waitingPool(pool: pg.Pool, address: string, options: PgConnectOptions = {}): PostgresPool {
  const waitForSlotMs = options.waitForSlotMs ?? PG_CONNECT_DEFAULTS.waitForSlotMs;
  const firstDelayMs = options.firstDelayMs ?? PG_CONNECT_DEFAULTS.firstDelayMs;
  const maxDelayMs = options.maxDelayMs ?? PG_CONNECT_DEFAULTS.maxDelayMs;
  const nowMs = options.nowMs ?? Date.now;
  return {
    async connect() {
      const startedMs = nowMs();
      for (let attempt = 0; ; attempt++) {
        try {
          return await pool.connect();
        } catch (error) {
          const code = sqlState(error);
          if (code !== undefined && PG_WAIT_CODES.has(code) && nowMs() - startedMs < waitForSlotMs) {
            options.onWait?.(error);
            await sleep(Math.min(maxDelayMs, firstDelayMs * 2 ** attempt));
            continue;
          }
          throw describeServiceError('PostgreSQL', address, error) ?? error;
        }
      }
    },
    end: () => pool.end(),
  };
}
