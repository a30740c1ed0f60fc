/**
 * One stream under probe: its requests go through the sync's own client, budget and request shape
 * (`listPage`, `windowFilter`), each is kept with what came back, and the two answers most checks
 * read (the first page of the whole history, a small window inside it) are asked once.
 */
import {
  type ListAnswer,
  type ListClient,
  type ListSource,
  listPage,
  rangeFilterValue,
  SeiError,
  type TimeRange,
  windowFilter,
} from '../extract/index.js';
import { EPOCH_UNIT_THRESHOLD } from '../normalize/convert.js';
import type { IncrementalStream, KeysetCursor } from '../streams/types.js';

/** One request and its outcome. */
export interface Exchange {
  /** The request, short: `page_size=1000 issue_updated_at>-2147483648<1765000000`. */
  request: string;
  answer?: ListAnswer;
  error?: SeiError;
}

export interface StreamProbeOptions {
  client: ListClient;
  stream: IncrementalStream;
  /** How the sync asks this stream (route, base filter, query); the probe asks ascending on the cursor. */
  source: ListSource;
  /** Records per page the sync asks (SEI_PAGE_SIZE, capped per endpoint). */
  pageSize: number;
  /** The whole history the sync would walk: `[from, to)` in epoch seconds. */
  history: TimeRange;
  /** The cheap part only (doctor): one-record pages. */
  cheap: boolean;
}

/** The small window asked: one record fewer per page than it holds, so `total_count` must count past the page. */
export interface WindowAnswer {
  window: ProbeWindow;
  pageSize: number;
  exchange: Exchange;
}

/** A small window inside the first page, and how many records it holds there (when that is known). */
export interface ProbeWindow {
  range: TimeRange;
  /** Records of the first page inside the window's bounds; undefined when the first page does not cover it. */
  expected: number | undefined;
}

export class StreamProbe {
  readonly stream: IncrementalStream;
  readonly cursor: KeysetCursor;
  #discovery: Promise<Exchange> | undefined;
  #window: Promise<WindowAnswer | undefined> | undefined;

  constructor(readonly options: StreamProbeOptions) {
    this.stream = options.stream;
    this.cursor = options.stream.cursor;
  }

  /** Asks one page of `range`: ascending on the cursor, bounds of `boundType` (the declared one by default). */
  async ask(request: {
    range: TimeRange;
    pageSize: number;
    boundType?: 'number' | 'string';
    /** Statuses that answer the question: not retried. */
    finalStatuses?: readonly number[];
  }): Promise<Exchange> {
    const cursor: KeysetCursor =
      request.boundType === undefined || request.boundType === this.cursor.filter.boundType
        ? this.cursor
        : { ...this.cursor, filter: { ...this.cursor.filter, boundType: request.boundType } };
    const source: ListSource = {
      ...this.options.source,
      sort: [{ id: this.cursor.filter.field, desc: false }],
      ...(request.finalStatuses && { finalStatuses: request.finalStatuses }),
    };
    const bounds = rangeFilterValue(cursor.filter, request.range);
    const text = `page_size=${request.pageSize} ${this.cursor.filter.field} $gt:${JSON.stringify(bounds.$gt)} $lt:${JSON.stringify(bounds.$lt)}`;
    try {
      const answer = await listPage(this.options.client, source, {
        page: 0,
        pageSize: request.pageSize,
        filter: windowFilter(source.baseFilter, cursor, request.range),
      });
      return { request: text, answer };
    } catch (error) {
      if (error instanceof SeiError) return { request: text, error };
      throw error;
    }
  }

  /** Page 0 of the whole history, ascending: what the first walk asks first (one record when cheap). */
  discovery(): Promise<Exchange> {
    this.#discovery ??= this.ask({
      range: this.options.history,
      pageSize: this.options.cheap ? 1 : this.options.pageSize,
    });
    return this.#discovery;
  }

  /** The record's cursor instant in epoch ms (seconds or ms by magnitude, as the walk reads it). */
  instantMs(record: unknown): number | undefined {
    if (record === null || typeof record !== 'object') return undefined;
    const raw = (record as Record<string, unknown>)[this.cursor.recordField];
    const value =
      typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (!Number.isFinite(value)) return undefined;
    return Math.abs(value) >= EPOCH_UNIT_THRESHOLD ? value : value * 1000;
  }

  /** Whether the server's reading of `range`'s bounds takes an instant (exclusive or inclusive, in seconds). */
  inside(range: TimeRange, ms: number): boolean {
    const bounds = rangeFilterValue(this.cursor.filter, range);
    const gt = Number(bounds.$gt) * 1000;
    const lt = Number(bounds.$lt) * 1000;
    return this.cursor.filter.inclusive ? ms >= gt && ms <= lt : ms > gt && ms < lt;
  }

  /** The small window asked once (undefined when the first page had no instant to choose it by). */
  windowAnswer(): Promise<WindowAnswer | undefined> {
    this.#window ??= (async () => {
      const window = await this.window();
      if (window === undefined) return undefined;
      const expected = window.expected;
      const pageSize = expected !== undefined && expected >= 2 ? expected - 1 : this.options.pageSize;
      return { window, pageSize, exchange: await this.ask({ range: window.range, pageSize }) };
    })();
    return this.#window;
  }

  /**
   * A window of a few records in the middle of the first page, chosen where that page holds every
   * record of the window (below its last instant when it came back ascending, above it descending).
   */
  async window(): Promise<ProbeWindow | undefined> {
    const first = await this.discovery();
    const records = first.answer?.records ?? [];
    const instants = records.map((r) => this.instantMs(r)).filter((ms): ms is number => ms !== undefined);
    if (instants.length === 0) return undefined;
    const sorted = [...instants].sort((a, b) => a - b);
    const full = records.length >= this.options.pageSize;
    const order = orderOf(instants);
    const min = sorted[0] as number;
    const max = sorted[sorted.length - 1] as number;
    const covers = (range: TimeRange): boolean => {
      if (!full) return true;
      const bounds = rangeFilterValue(this.cursor.filter, range);
      const gt = Number(bounds.$gt) * 1000;
      const lt = Number(bounds.$lt) * 1000;
      if (order === 'asc') return this.cursor.filter.inclusive ? lt < max : lt <= max;
      if (order === 'desc') return this.cursor.filter.inclusive ? gt > min : gt >= min;
      return false;
    };
    const middle = Math.floor(sorted.length / 2);
    const from = Math.floor((sorted[middle] as number) / 1000);
    let range: TimeRange = { from, to: from + 1 };
    for (let j = middle; j < sorted.length; j++) {
      const candidate = { from, to: Math.floor((sorted[j] as number) / 1000) + 1 };
      if (full && !covers(candidate)) break;
      range = candidate;
      if (instants.filter((ms) => this.inside(candidate, ms)).length >= 3) break;
    }
    return {
      range,
      expected: covers(range) ? instants.filter((ms) => this.inside(range, ms)).length : undefined,
    };
  }
}

/** `asc`, `desc` or `none` (unordered), over the instants present; `flat` when fewer than two differ. */
export function orderOf(instants: readonly number[]): 'asc' | 'desc' | 'none' | 'flat' {
  let up = 0;
  let down = 0;
  for (let k = 1; k < instants.length; k++) {
    const a = instants[k - 1] as number;
    const b = instants[k] as number;
    if (b > a) up++;
    else if (b < a) down++;
  }
  if (up === 0 && down === 0) return 'flat';
  if (down === 0) return 'asc';
  if (up === 0) return 'desc';
  return 'none';
}

/** What came back, short: `200, 12 records, total_count 40` or `500 "class java.lang.Integer cannot..."`. */
export function outcome(exchange: Exchange): string {
  if (exchange.answer) {
    const { records, totalCount } = exchange.answer;
    return `200, ${records.length} record${records.length === 1 ? '' : 's'}${totalCount === undefined ? '' : `, total_count ${totalCount}`}`;
  }
  const error = exchange.error;
  if (!error) return 'no answer';
  const said = /: "(.*)"/.exec(error.message)?.[1];
  const status = error.status ?? error.code;
  return said ? `${status} "${said.slice(0, 90)}${said.length > 90 ? '…' : ''}"` : String(status);
}

/** `<request> → <outcome>`. */
export function evidenceOf(exchange: Exchange): string {
  return `${exchange.request} → ${outcome(exchange)}`;
}

/** Refused by the server as a request (not the key, not a failure of the network or of SEI as a whole). */
export function refused(exchange: Exchange): boolean {
  const status = exchange.error?.status;
  return status !== undefined && status >= 400 && status < 600 && ![401, 403, 429, 503].includes(status);
}
