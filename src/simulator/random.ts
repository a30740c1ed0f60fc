/**
 * Seeded, fast, dependency-free randomness. Every generated record draws from its own generator
 * seeded by (dataset seed, stream, ordinal), so record i is the same whatever order records are built in.
 */

/** Mixes numbers into one well-distributed uint32 (murmur3 finalizer over a running hash). */
export function hash32(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x01000193);
    h = Math.imul(h ^ Math.floor(part / 0x1_0000_0000), 0x5bd1e995);
    h ^= h >>> 15;
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A number in [0, 1) that depends only on `parts` (no generator state). */
export function unit(...parts: number[]): number {
  return hash32(...parts) / 0x1_0000_0000;
}

const HEX = '0123456789abcdef';

/** mulberry32: small state, good enough statistics for test data, and fast. */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Uniform uint32. */
  uint32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 0x1_0000_0000;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** `count` distinct items (fewer if `items` is shorter). */
  sample<T>(items: readonly T[], count: number): T[] {
    const chosen: T[] = [];
    const start = this.int(items.length);
    const step = 1 + this.int(Math.max(1, items.length - 1));
    for (let k = 0; k < items.length && chosen.length < count; k++) {
      const item = items[(start + k * step) % items.length] as T;
      if (!chosen.includes(item)) chosen.push(item);
    }
    return chosen;
  }

  hex(length: number): string {
    let out = '';
    while (out.length < length) {
      let word = this.uint32();
      for (let k = 0; k < 8 && out.length < length; k++) {
        out += HEX[word & 15];
        word >>>= 4;
      }
    }
    return out;
  }

  /** A version-4-shaped UUID (deterministic, so not actually random). */
  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${HEX[8 + (this.uint32() & 3)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

/** A generator for record `ordinal` of the stream tagged `streamTag` in the dataset seeded `seed`. */
export function recordRng(seed: number, streamTag: number, ordinal: number): Rng {
  return new Rng(hash32(seed, streamTag, ordinal));
}
