/**
 * "One stream at a time, across every worker": a Redis lock per stream, taken by the `sync-stream`
 * processor before it calls the engine. Two runs that overlap (the hourly incremental during a long
 * nightly full) therefore queue up on a stream instead of walking it twice at once. The engine's
 * database lease is the second guard (it answers SEI_SYNC_ERR_STREAM_BUSY).
 *
 * The lock expires by itself (`ttlMs`) when its holder dies, and is renewed while the holder lives.
 */
import type { Redis } from 'ioredis';

export interface StreamLockOptions {
  /** Expiry of a lock whose holder stopped renewing it. @defaultValue 60000 */
  ttlMs?: number;
}

export const STREAM_LOCK_DEFAULTS = { ttlMs: 60_000 } as const;

/** Deletes or extends the lock only when it is still ours. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const EXTEND = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

export interface HeldStreamLock {
  /** False once the lock was found taken by someone else at a renewal (Redis lost it). */
  readonly held: boolean;
  release(): Promise<void>;
}

export class StreamLocks {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlMs: number;

  constructor(redis: Redis, prefix: string, options: StreamLockOptions = {}) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#ttlMs = options.ttlMs ?? STREAM_LOCK_DEFAULTS.ttlMs;
  }

  key(stream: string): string {
    return `${this.#prefix}:sei-sync:stream-lock:${stream}`;
  }

  /** Takes the lock of `stream` for `owner`, or returns undefined when another owner holds it. */
  async tryAcquire(stream: string, owner: string): Promise<HeldStreamLock | undefined> {
    const key = this.key(stream);
    const ok = await this.#redis.set(key, owner, 'PX', this.#ttlMs, 'NX');
    if (ok !== 'OK') {
      // A retry of the same job after its worker died may find its own lock: take it over.
      if ((await this.#redis.get(key)) !== owner) return undefined;
      await this.#redis.pexpire(key, this.#ttlMs);
    }
    let held = true;
    const redis = this.#redis;
    const ttlMs = this.#ttlMs;
    const timer = setInterval(
      () => {
        redis.eval(EXTEND, 1, key, owner, String(ttlMs)).then(
          (extended) => {
            if (extended === 0) held = false;
          },
          () => {
            // Redis away: keep trying; the lock survives a short outage because its TTL is long.
          },
        );
      },
      Math.max(50, Math.floor(ttlMs / 3)),
    );
    timer.unref();
    return {
      get held() {
        return held;
      },
      release: async () => {
        clearInterval(timer);
        await redis.eval(RELEASE, 1, key, owner);
      },
    };
  }
}
