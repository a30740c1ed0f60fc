/**
 * Which rows land on a page when the server's ORDER BY has ties (or no ORDER BY at all): SQL returns
 * rows that share every sort value in whatever order the plan produces, and a different one on the
 * next query. Offset paging over such an order repeats some rows and skips others; that is what a
 * client must survive, so the simulator reproduces it with a fresh random order per request.
 */
import type { Rng } from './random.js';

/** An affine bijection k -> (a*k + b) mod n with gcd(a, n) = 1: a cheap fresh permutation of 0..n-1. */
export function randomPermutation(n: number, rng: Rng): (k: number) => number {
  if (n <= 1) return (k) => k;
  let a = 1 + rng.int(n - 1);
  while (gcd(a, n) !== 1) a = (a % (n - 1)) + 1;
  const b = rng.int(n);
  return (k) => (a * k + b) % n;
}

/**
 * The ordinals at positions [start, end) of `order` after every run of tied rows that reaches into
 * the page has been shuffled afresh. `same(a, b)` says whether two ordinals tie.
 */
export function pageWithShuffledTies(
  order: Uint32Array,
  start: number,
  end: number,
  same: (a: number, b: number) => boolean,
  rng: Rng,
): Uint32Array {
  const out = new Uint32Array(Math.max(0, end - start));
  let position = start;
  while (position < end) {
    // The run of ties containing `position` may begin before the page and end after it.
    let runStart = position;
    const anchor = order[position] as number;
    while (runStart > 0 && same(order[runStart - 1] as number, anchor)) runStart--;
    let runEnd = position + 1;
    while (runEnd < order.length && same(order[runEnd] as number, anchor)) runEnd++;
    const shuffle = randomPermutation(runEnd - runStart, rng);
    const stop = Math.min(end, runEnd);
    for (; position < stop; position++) {
      out[position - start] = order[runStart + shuffle(position - runStart)] as number;
    }
  }
  return out;
}

/** The ordinals at positions [start, end) of a fresh random order of all of `order` (no ORDER BY). */
export function pageInRandomOrder(order: Uint32Array, start: number, end: number, rng: Rng): Uint32Array {
  const shuffle = randomPermutation(order.length, rng);
  const out = new Uint32Array(Math.max(0, end - start));
  for (let k = start; k < end; k++) out[k - start] = order[shuffle(k)] as number;
  return out;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
