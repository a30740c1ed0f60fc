/**
 * `node --max-semi-space-size=4 --import tsx bench/pipeline-gc.ts [pages] [capture dir]`: the sync's
 * per-page steps (parse, normalize, prepare, encode) over the pages of a Jira capture, each page's
 * result held while the next ones run, as a sync holds pages in hand: CPU per page and how much of it
 * garbage collection took, by kind (issue 24: GC is the largest single share of the sync's CPU). The
 * command above gives the V8 flag of the sync's `#!` line (src/cli.ts) and the script sets the heap
 * growth cap as the CLI does; other values of `--max-semi-space-size` show that trade.
 */
import type { PerformanceEntry } from 'node:perf_hooks';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseJsonBody } from '../src/extract/sei/body-json.js';
import { encodeChildRows, encodeEntityRows } from '../src/load/copy-rows.js';
import { prepareRows } from '../src/load/page-rows.js';
import { normalizePage } from '../src/normalize/page.js';
import { limitHeapGrowth } from '../src/runtime/heap-growth.js';
import { STREAMS } from '../src/streams/registry.js';
import { jiraPageFiles, newestJiraCapture, pageBytes } from './lib/jira-capture.js';

// The heap growth cap the CLI sets at start-up (`--heap-growing-percent=N` on the node command line wins).
limitHeapGrowth();

const PAGES = Number(process.argv[2] ?? 300);
/** Pages kept alive, as many as a sync holds by default (`SEI_SYNC_PAGES_IN_HAND`). */
const IN_HAND = 20;
/** Of them, pages whose COPY data is held too (written at once). */
const BEING_WRITTEN = 4;
/** Distinct pages cycled through: enough for the data not to be one page's. */
const DISTINCT_PAGES = 40;
const RUN_ID = '00000000-0000-4000-8000-000000000000';

const stream = STREAMS.jira_issues;
const bodies = jiraPageFiles(process.argv[3] ?? newestJiraCapture())
  .slice(0, DISTINCT_PAGES)
  .map(pageBytes);

/** GC milliseconds and counts by kind (`NodePerformanceGCKind`: 1 minor, 4 major, 8 incremental, 16 weak callbacks). */
const gc = new Map<number, { ms: number; count: number }>();
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries() as (PerformanceEntry & { detail?: { kind: number } })[]) {
    const kind = entry.detail?.kind ?? 0;
    const seen = gc.get(kind) ?? { ms: 0, count: 0 };
    gc.set(kind, { ms: seen.ms + entry.duration, count: seen.count + 1 });
  }
});
observer.observe({ entryTypes: ['gc'] });

const inHand: unknown[] = [];
const beingWritten: unknown[] = [];
const before = process.cpuUsage();
for (let i = 0; i < PAGES; i++) {
  // Turn the event loop, as a sync does between pages: the GC observer reports only then.
  await new Promise((resolve) => setImmediate(resolve));
  const records = (parseJsonBody(bodies[i % bodies.length]!) as { records: unknown[] }).records;
  const page = normalizePage(stream, records, { stringsKnownStorable: true });
  const prepared = prepareRows(stream.table, page.rows);
  const encoded = [
    encodeEntityRows(stream.table, prepared),
    ...stream.children.map((child) => encodeChildRows(child, page.childRows[child.name] ?? [], RUN_ID)),
  ];
  inHand.push(page);
  if (inHand.length > IN_HAND) inHand.shift();
  beingWritten.push(encoded);
  if (beingWritten.length > BEING_WRITTEN) beingWritten.shift();
}
// The observer reports after the event loop turns.
await new Promise((resolve) => setTimeout(resolve, 100));
observer.disconnect();
const used = process.cpuUsage(before);
const perPage = (n: number) => (n / PAGES).toFixed(2);
process.stdout.write(
  `${PAGES} pages (${bodies.length} distinct, ${IN_HAND} held, ${BEING_WRITTEN} with their COPY data): CPU ${perPage((used.user + used.system) / 1000)} ms/page, of which GC pauses ${perPage([...gc.values()].reduce((sum, { ms }) => sum + ms, 0))}\n`,
);
for (const [kind, { ms, count }] of [...gc.entries()].sort(([a], [b]) => a - b))
  process.stdout.write(`  GC kind ${kind}: ${perPage(ms)} ms/page, ${perPage(count)} per page\n`);
