/**
 * A sync holds little (a few pages per stream, 40–70 MB live at the peak of a 1M-record run) but
 * allocates fast, and V8's default heap growth lets the old space swell to four or five times the live
 * data before it collects: 320+ MiB resident for 60 MiB of live objects. Growing the heap by at most
 * half of what survived each collection keeps the peak near 210 MiB at no measurable cost in speed
 * (`npx tsx bench/memory-probe.ts 200000 --heap-growing-percent=50`; docs/performance.md).
 *
 * V8 reads this flag each time it sizes the heap after a collection, so setting it at start-up works
 * (unlike `--max-old-space-size`, which only counts before the heap exists). A value given on the node
 * command line (`node --heap-growing-percent=N dist/src/cli.js ...`) wins.
 */
import { setFlagsFromString } from 'node:v8';

export const DEFAULT_HEAP_GROWING_PERCENT = 50;

const FLAG = /--heap[-_]growing[-_]percent\b/;

/** Returns false when the node command line already set the flag (and it was left alone). */
export function limitHeapGrowth(
  percent: number = DEFAULT_HEAP_GROWING_PERCENT,
  execArgv: readonly string[] = process.execArgv,
): boolean {
  if (execArgv.some((arg) => FLAG.test(arg))) return false;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  return true;
}
