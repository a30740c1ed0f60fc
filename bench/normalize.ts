/**
 * `npm run bench:normalize`: the normalize step (src/normalize/page.ts) on the 100-record Jira
 * fixture (test/fixtures/jira_issues_list_sample.json), one page repeated, in µs per page:
 *
 * - `strings known storable`: the common case on the wire, where the client found no escape of NUL
 *   or a surrogate in the body, so only nesting depth is checked (src/extract/sei/storable-text.ts);
 * - `every string checked`: no such proof (records from elsewhere, or a body with such an escape);
 * - `5 hostile records`: the same page with five records carrying NUL, a lone surrogate, an absurd
 *   instant, a 64 KB text and deep nesting, which are repaired and noted.
 *
 * Variants run interleaved in rounds, so a busy machine slows them alike; p10 and median are printed.
 */

import type { SeiRecord } from '../src/extract/sei/types.js';
import { normalizePage } from '../src/normalize/page.js';
import { STREAMS } from '../src/streams/registry.js';
import sample from '../test/fixtures/jira_issues_list_sample.json' with { type: 'json' };

const RECORDS = (sample as { records: SeiRecord[] }).records;
const ROUNDS = 40;
const WARMUP_ROUNDS = 5;
const PAGES_PER_ROUND = 400;

function nested(levels: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

const HOSTILE_FIELDS: Record<string, unknown>[] = [
  { summary: 'binary \u0000 pasted' },
  { custom_fields: { customfield_10020: ['emoji cut \ud83d in half'] } },
  { issue_resolved_at: 1_000_000_000_000_000 },
  { summary: 'x'.repeat(64 * 1024) },
  { custom_fields: nested(1200) },
];
const HOSTILE_PAGE = RECORDS.map((record, i) =>
  i % 20 === 0 ? { ...record, ...HOSTILE_FIELDS[i / 20] } : record,
);

const stream = STREAMS.jira_issues;
const variants: Record<string, () => unknown> = {
  'strings known storable': () => normalizePage(stream, RECORDS, { stringsKnownStorable: true }),
  'every string checked': () => normalizePage(stream, RECORDS),
  '5 hostile records, every string checked': () => normalizePage(stream, HOSTILE_PAGE),
};

const samples = new Map<string, number[]>(Object.keys(variants).map((name) => [name, []]));
for (let round = 0; round < ROUNDS + WARMUP_ROUNDS; round++) {
  for (const [name, run] of Object.entries(variants)) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < PAGES_PER_ROUND; i++) run();
    const microsPerPage = Number(process.hrtime.bigint() - started) / 1e3 / PAGES_PER_ROUND;
    if (round >= WARMUP_ROUNDS) samples.get(name)?.push(microsPerPage);
  }
}
process.stdout.write(`normalizePage, ${RECORDS.length}-record Jira page, Node ${process.version}\n`);
for (const [name, values] of samples) {
  values.sort((a, b) => a - b);
  const p10 = values[Math.floor(values.length * 0.1)] ?? Number.NaN;
  const median = values[values.length >> 1] ?? Number.NaN;
  process.stdout.write(
    `  ${name.padEnd(42)} p10 ${p10.toFixed(1)} µs/page, median ${median.toFixed(1)} µs/page\n`,
  );
}
