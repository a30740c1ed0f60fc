/**
 * `npx tsx bench/pipeline-cost.ts [capture dir]`: the sync's own CPU per 1,000-record Jira page, step by
 * step, in this process and without I/O: parsing the body, finding each record's bytes, normalizing,
 * hashing the raw records (page-rows.ts), the binary COPY encoding of entity and child rows. The page
 * is the largest Jira answer of a capture (default: the newest `npm run bench -- --replay --mix jira`
 * cache under the temporary directory). What a sync spends beyond the sum is I/O, protocol, GC of
 * pages held in flight and bookkeeping (issue 24).
 */
import { basename } from 'node:path';
import { parseJsonBody } from '../src/extract/sei/body-json.js';
import { jsonBytesMayHoldUnstorableStrings } from '../src/extract/sei/storable-text.js';
import { encodeChildRows, encodeEntityRows } from '../src/load/copy-rows.js';
import { prepareRows } from '../src/load/page-rows.js';
import { normalizePage } from '../src/normalize/page.js';
import { STREAMS } from '../src/streams/registry.js';
import { jiraPageFiles, newestJiraCapture, pageBytes } from './lib/jira-capture.js';

const ROUNDS = 60;

const dir = process.argv[2] ?? newestJiraCapture();
const largestFile = jiraPageFiles(dir)[0]!;
const bytes = pageBytes(largestFile);
const stream = STREAMS.jira_issues;
const table = stream.table;

const records = (parseJsonBody(bytes) as { records: unknown[] }).records;
const page = normalizePage(stream, records, { stringsKnownStorable: true });
const prepared = prepareRows(table, page.rows);
const runId = '00000000-0000-4000-8000-000000000000';

const steps: [string, () => unknown][] = [
  ['(before: decode body as UTF-8 + JSON.parse)', () => JSON.parse(bytes.toString('utf8'))],
  ['parse body (parseJsonBody)', () => parseJsonBody(bytes)],
  ['scan for unstorable escapes', () => jsonBytesMayHoldUnstorableStrings(bytes)],
  ['normalize', () => normalizePage(stream, records, { stringsKnownStorable: true })],
  ['serialize + hash raw (prepareRows)', () => prepareRows(table, page.rows)],
  ['encode entity rows (COPY binary)', () => encodeEntityRows(table, prepared)],
  [
    'encode child rows (COPY binary)',
    () => {
      for (const child of stream.children) encodeChildRows(child, page.childRows[child.name] ?? [], runId);
    },
  ],
];
process.stdout.write(
  `${records.length} records, ${(bytes.length / 1024).toFixed(0)} KiB (${basename(largestFile)}); CPU ms per page, lowest and median of ${ROUNDS} (the lowest is the steadiest on a shared machine)\n`,
);
let total = 0;
let lowest = 0;
for (const [name, run] of steps) {
  for (let i = 0; i < 3; i++) run();
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const before = process.cpuUsage();
    run();
    const used = process.cpuUsage(before);
    samples.push((used.user + used.system) / 1000);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(ROUNDS / 2)]!;
  // A step in parentheses is the former way, for comparison: not part of the sum.
  if (!name.startsWith('(')) {
    lowest += samples[0]!;
    total += median;
  }
  process.stdout.write(
    `${samples[0]!.toFixed(2).padStart(8)} ${median.toFixed(2).padStart(8)} ms  ${name}\n`,
  );
}
process.stdout.write(`${lowest.toFixed(2).padStart(8)} ${total.toFixed(2).padStart(8)} ms  sum\n`);
