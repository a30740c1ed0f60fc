/** Seeded fault injection: which fault (if any) a request gets, reproducibly for a given seed. */
import { Rng } from './random.js';
import type { FaultOptions } from './types.js';
import { STREAM_TAGS } from './universe.js';

/** No faults, 1 s Retry-After, 1 s slow responses. Defined once; `setFaults` merges over these. */
export const DEFAULT_FAULTS: FaultOptions = {
  rateLimited: 0,
  unavailable: 0,
  retryAfterSeconds: 1,
  serverError: 0,
  connectionReset: 0,
  truncatedBody: 0,
  slow: 0,
  slowMs: 1000,
};

export type FaultKind = 'rateLimited' | 'unavailable' | 'serverError' | 'connectionReset' | 'truncatedBody';

export interface FaultDecision {
  /** Delay before answering (0 when the `slow` fault did not fire). */
  delayMs: number;
  /** The failure to produce instead of (or, for a truncated body, on top of) the normal answer. */
  failure: FaultKind | undefined;
}

export function validateFaults(faults: Partial<FaultOptions>): void {
  for (const [name, value] of Object.entries(faults)) {
    if (value === undefined) continue;
    if (!(name in DEFAULT_FAULTS)) throw new RangeError(`unknown fault "${name}"`);
    const isProbability = name !== 'retryAfterSeconds' && name !== 'slowMs';
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (isProbability && value > 1)) {
      throw new RangeError(
        `fault ${name} must be ${isProbability ? 'a probability in [0, 1]' : 'a number >= 0'}`,
      );
    }
  }
}

export class FaultInjector {
  #faults: FaultOptions;
  readonly #rng: Rng;

  constructor(seed: number, faults: Partial<FaultOptions> = {}) {
    validateFaults(faults);
    this.#faults = { ...DEFAULT_FAULTS, ...faults };
    this.#rng = new Rng(seed ^ (STREAM_TAGS.faults * 0x9e3779b1));
  }

  get faults(): Readonly<FaultOptions> {
    return this.#faults;
  }

  /** Merges over the current settings (pass 0 to switch a fault off). */
  set(faults: Partial<FaultOptions>): void {
    validateFaults(faults);
    this.#faults = { ...this.#faults, ...faults };
  }

  /**
   * Draws every fault independently (always the same number of draws per request, so one knob does
   * not shift the sequence of another); the first failure in this order wins.
   */
  decide(): FaultDecision {
    const f = this.#faults;
    const draws = {
      slow: this.#rng.next() < f.slow,
      connectionReset: this.#rng.next() < f.connectionReset,
      rateLimited: this.#rng.next() < f.rateLimited,
      unavailable: this.#rng.next() < f.unavailable,
      serverError: this.#rng.next() < f.serverError,
      truncatedBody: this.#rng.next() < f.truncatedBody,
    };
    const order: FaultKind[] = [
      'connectionReset',
      'rateLimited',
      'unavailable',
      'serverError',
      'truncatedBody',
    ];
    return { delayMs: draws.slow ? f.slowMs : 0, failure: order.find((kind) => draws[kind]) };
  }
}
