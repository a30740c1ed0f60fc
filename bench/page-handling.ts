/**
 * `node --max-semi-space-size=4 --import tsx bench/page-handling.ts [pages] [capture dir]`: what the
 * sync's per-page steps cost when a page is handled three ways (issue 24; the table in
 * docs/performance.md), over the pages of a Jira capture, 20 pages held and 4 with their COPY data
 * as a sync holds them. Each way runs twice, each run in a process of its own (same node flags):
 *
 * - `parsed`: as the sync does: parse the body, normalize, `JSON.stringify` each raw record.
 * - `bytes`: the same, but each raw record is sent and hashed from its bytes in the body.
 * - `per-record`: each record parsed from its own bytes and normalized at once; the page keeps its
 *   rows and the records' bytes, no parsed tree.
 * - `dropped`: the body parsed whole and normalized, each raw record serialized and hashed at once and
 *   the parsed tree dropped: the page keeps rows and JSON text.
 * - `per-record-text`: each record parsed from its own bytes, normalized, serialized and hashed at
 *   once: the page keeps rows and JSON text, and no tree outlives its record.
 *
 * Prints CPU and GC pauses (all, and mark-compact) per page, and the load average.
 */

import { isUtf8 } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import type { PerformanceEntry } from 'node:perf_hooks';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseJsonBody } from '../src/extract/sei/body-json.js';
import { encodeChildRows, encodeEntityRows } from '../src/load/copy-rows.js';
import { prepareRows } from '../src/load/page-rows.js';
import { rowHash } from '../src/load/row-hash.js';
import type { PreparedRow } from '../src/load/write-types.js';
import { type NormalizedPage, normalizePage } from '../src/normalize/page.js';
import { limitHeapGrowth } from '../src/runtime/heap-growth.js';
import { keyText } from '../src/state/sql-text.js';
import { STREAMS } from '../src/streams/registry.js';
import type { Row } from '../src/streams/types.js';
import { jiraPageFiles, newestJiraCapture, pageBytes } from './lib/jira-capture.js';
import { recordSpans } from './lib/record-spans.js';

const WAYS = ['parsed', 'bytes', 'per-record', 'dropped', 'per-record-text'] as const;
type Way = (typeof WAYS)[number];
const IN_HAND = 20;
const BEING_WRITTEN = 4;
const DISTINCT_PAGES = 40;
const ROUNDS = 2;
const RUN_ID = '00000000-0000-4000-8000-000000000000';
/** `NodePerformanceGCKind.major`. */
const MARK_COMPACT = 4;

const [pagesArg, captureArg, wayArg] = process.argv.slice(2);
const pages = Number(pagesArg ?? 300);
const capture = captureArg ?? newestJiraCapture();

if (wayArg === undefined) {
  process.stdout.write(
    `${pages} pages of ${capture}, ${IN_HAND} held, ${BEING_WRITTEN} with their COPY data; load ${loadavg()[0]!.toFixed(1)}\n\n`,
  );
  process.stdout.write(
    '| way | CPU ms / page | GC pauses ms / page | of which mark-compact |\n| --- | --- | --- | --- |\n',
  );
  const script = fileURLToPath(import.meta.url);
  for (let round = 0; round < ROUNDS; round++)
    for (const way of WAYS) {
      const run = spawnSync(process.execPath, [...process.execArgv, script, String(pages), capture, way], {
        encoding: 'utf8',
      });
      if (run.status !== 0) throw new Error(`${way}: ${run.stderr}`);
      process.stdout.write(run.stdout);
    }
  process.exit(0);
}
if (!(WAYS as readonly string[]).includes(wayArg)) throw new Error(`way: one of ${WAYS.join(', ')}`);
const way = wayArg as Way;

// The heap growth cap the CLI sets at start-up.
limitHeapGrowth();
const stream = STREAMS.jira_issues;
const bodies = jiraPageFiles(capture).slice(0, DISTINCT_PAGES).map(pageBytes);

let gcMs = 0;
let markCompactMs = 0;
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries() as (PerformanceEntry & { detail?: { kind: number } })[]) {
    gcMs += entry.duration;
    if (entry.detail?.kind === MARK_COMPACT) markCompactMs += entry.duration;
  }
});
observer.observe({ entryTypes: ['gc'] });

/** A page as the write takes it: rows with their raw JSON, and child rows. */
interface HeldPage {
  prepare(): PreparedRow[];
  childRows: Record<string, Row[]>;
}

function spansOf(body: Buffer): Int32Array {
  const spans = isUtf8(body) ? recordSpans(body) : undefined;
  if (spans === undefined) throw new Error('a capture page whose records the scanner cannot find');
  return spans;
}

/** Rows with their raw JSON serialized and hashed at once, the record itself dropped. */
function preparedAtOnce(rows: readonly Row[]): PreparedRow[] {
  return rows.map((row) => {
    const rawJson = JSON.stringify(row.raw);
    row.raw = null;
    return { row, key: keyText(row, stream.table.key), rawJson, hash: rowHash(rawJson) };
  });
}

function handle(body: Buffer): HeldPage {
  if (way === 'dropped') {
    const records = (parseJsonBody(body) as { records: unknown[] }).records;
    const page = normalizePage(stream, records, { stringsKnownStorable: true });
    const prepared = preparedAtOnce(page.rows);
    return { prepare: () => prepared, childRows: page.childRows };
  }
  if (way === 'per-record-text') {
    const spans = spansOf(body);
    const prepared: PreparedRow[] = [];
    const childRows: Record<string, Row[]> = Object.fromEntries(stream.children.map((c) => [c.name, []]));
    for (let k = 0; k < spans.length; k += 2) {
      const page = normalizePage(stream, [parseJsonBody(body.subarray(spans[k], spans[k + 1]))], {
        stringsKnownStorable: true,
      });
      prepared.push(...preparedAtOnce(page.rows));
      for (const child of stream.children) childRows[child.name]!.push(...(page.childRows[child.name] ?? []));
    }
    return { prepare: () => prepared, childRows };
  }
  if (way === 'per-record') {
    const spans = spansOf(body);
    const rows: Row[] = [];
    const childRows: Record<string, Row[]> = Object.fromEntries(stream.children.map((c) => [c.name, []]));
    for (let k = 0; k < spans.length; k += 2) {
      const bytes = body.subarray(spans[k], spans[k + 1]);
      const page = normalizePage(stream, [parseJsonBody(bytes)], { stringsKnownStorable: true });
      for (const row of page.rows) {
        row.raw = bytes;
        rows.push(row);
      }
      for (const child of stream.children) childRows[child.name]!.push(...(page.childRows[child.name] ?? []));
    }
    return { prepare: () => fromBytes(rows), childRows };
  }
  const records = (parseJsonBody(body) as { records: unknown[] }).records;
  const page: NormalizedPage = normalizePage(stream, records, { stringsKnownStorable: true });
  if (way === 'parsed')
    return { prepare: () => prepareRows(stream.table, page.rows), childRows: page.childRows };
  const spans = spansOf(body);
  page.rows.forEach((row, k) => {
    row.raw = body.subarray(spans[2 * k], spans[2 * k + 1]);
  });
  return { prepare: () => fromBytes(page.rows), childRows: page.childRows };
}

/**
 * Rows whose `raw` holds the record's bytes, prepared without `JSON.stringify`. The encoder on main
 * takes text, so the bytes go in as a one-byte string of the same length: a little more work than
 * copying them, and the same bytes for the ASCII most records are.
 */
function fromBytes(rows: readonly Row[]): PreparedRow[] {
  return rows.map((row) => {
    const bytes = row.raw as Buffer;
    const text = bytes.toString('latin1');
    return { row, key: keyText(row, stream.table.key), rawJson: text, hash: rowHash(text) };
  });
}

const inHand: HeldPage[] = [];
const beingWritten: Buffer[][] = [];
const before = process.cpuUsage();
for (let i = 0; i < pages; i++) {
  // Turn the event loop, as a sync does between pages, so that the GC observer reports.
  await new Promise((resolve) => setImmediate(resolve));
  inHand.push(handle(Buffer.from(bodies[i % bodies.length]!)));
  if (inHand.length <= IN_HAND) continue;
  const page = inHand.shift()!;
  beingWritten.push([
    encodeEntityRows(stream.table, page.prepare()),
    ...stream.children.map((child) => encodeChildRows(child, page.childRows[child.name] ?? [], RUN_ID)),
  ]);
  if (beingWritten.length > BEING_WRITTEN) beingWritten.shift();
}
await new Promise((resolve) => setTimeout(resolve, 100));
observer.disconnect();
const used = process.cpuUsage(before);
const perPage = (ms: number) => (ms / pages).toFixed(1);
process.stdout.write(
  `| ${way} | ${perPage((used.user + used.system) / 1000)} | ${perPage(gcMs)} | ${perPage(markCompactMs)} |\n`,
);
