/**
 * The largest page size accepted, asked on the small window (a few records whatever the size): one
 * more than 10,000 (Jira's cap, and Elasticsearch's result window), then 10,000 or the declared cap.
 */

import { evidenceOf, outcome, refused, type StreamProbe } from '../session.js';
import type { ProbeRow } from '../types.js';
import { NOT_ASKED, row } from './row.js';

export const PROBE_LARGE_PAGE_SIZE = 10_001;
const FALLBACK_PAGE_SIZE = 10_000;
const ASSUMPTION = `a page of ${PROBE_LARGE_PAGE_SIZE.toLocaleString('en-US')} records may be asked`;

export async function checkPageSize(probe: StreamProbe): Promise<ProbeRow> {
  const window = await probe.window();
  if (window === undefined) return row('page_size', probe.stream, ASSUMPTION, 'unknown', NOT_ASKED, '');
  const asked = probe.options.pageSize;
  const ask = (pageSize: number) =>
    probe.ask({ range: window.range, pageSize, finalStatuses: [400, 413, 500] });
  const large = await ask(PROBE_LARGE_PAGE_SIZE);
  const served = large.answer?.servedPageSize;
  if (large.answer && (served === undefined || served >= PROBE_LARGE_PAGE_SIZE))
    return row(
      'page_size',
      probe.stream,
      ASSUMPTION,
      'holds',
      evidenceOf(large),
      `asks ${asked} (SEI_PAGE_SIZE${probe.stream.maxPageSize ? ', within the declared cap' : ''})`,
    );
  if (large.answer)
    return row(
      'page_size',
      probe.stream,
      ASSUMPTION,
      'does_not_hold',
      `${evidenceOf(large)}, served page_size ${served}`,
      `capped silently at ${served}: sei-sync pages by the page size the server reports`,
    );
  if (!refused(large))
    return row(
      'page_size',
      probe.stream,
      ASSUMPTION,
      'unknown',
      evidenceOf(large),
      'SEI did not answer: run the probe again later',
    );
  const smaller = Math.min(probe.stream.maxPageSize ?? FALLBACK_PAGE_SIZE, FALLBACK_PAGE_SIZE);
  const fallback = await ask(smaller);
  const evidence = `page_size=${PROBE_LARGE_PAGE_SIZE} → ${outcome(large)}; page_size=${smaller} → ${outcome(fallback)}`;
  const action = fallback.answer
    ? asked <= smaller
      ? `asks ${asked} (SEI_PAGE_SIZE${probe.stream.maxPageSize ? `, capped at ${probe.stream.maxPageSize} for this endpoint` : ''}): accepted`
      : `lower SEI_PAGE_SIZE to ${smaller} or less`
    : `the largest accepted is below ${smaller}; sei-sync asks ${asked}, which the first request ${probe.options.cheap ? 'did not try' : 'got'}`;
  const handled = fallback.answer !== undefined && asked <= smaller;
  return row('page_size', probe.stream, ASSUMPTION, 'does_not_hold', evidence, action, handled);
}
