/**
 * The HTTP side of the simulator: routing under any prefix, auth, body parsing, faults, the stale
 * result cache, paging quirks and the request log. Records come from the Dataset as JSON strings.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SeiRecord, SortSpec } from '../extract/sei/types.js';
import type { StreamName } from '../streams/types.js';
import type { Dataset } from './dataset.js';
import { answerDora, BODYLESS_ROUTES, matchDoraRoute } from './dora/routes.js';
import {
  effectiveSort,
  matchEndpoint,
  SERVER_DEFAULT_PAGE_SIZE,
  type SimEndpoint,
  type TiePolicy,
} from './endpoints.js';
import type { FaultInjector } from './faults.js';
import type { HoldOptions, RequestGate } from './gate.js';
import { type LatencyModel, latencyMs } from './latency.js';
import { pageInRandomOrder, pageWithShuffledTies } from './ordering.js';
import { parseFilter, parseSort, QueryError, ServerError, StreamQueries } from './query.js';
import { endpointWithQuirks, honouredSort, type QuirkOptions } from './quirks.js';
import { Rng } from './random.js';
import type { DatasetMutation, FaultOptions, RequestLogEntry, SnapshotSwitch } from './types.js';
import { STREAM_TAGS } from './universe.js';
import type { V2Api } from './v2/api.js';

/** Where another process pauses and resumes the server (`POST {"hold": {...}}` or `{"release": true}`; GET reads). */
export const GATE_PATH = '/_simulator/gate';
/** Request bodies larger than this are refused (413). */
const MAX_BODY_BYTES = 1_000_000;
/** The stale cache keeps at most this many bytes of response bodies (oldest dropped). */
const STALE_CACHE_MAX_BYTES = 256 * 1024 * 1024;
const RECORDS_OPEN = Buffer.from('{"records":[');
const COMMA = Buffer.from(',');

interface CachedPage {
  body: Buffer;
  records: number;
  /** Records the query skipped (page × page size), for the latency model. */
  skipped: number;
}

/** What a query found for one page, before the envelope is written around it. */
interface PageResult {
  parts: Buffer[];
  /** The whole filtered count. */
  total: number;
  /** Records skipped before the page. */
  start: number;
  /** Org users: the dangling logins of the whole list. */
  nonUsers: number | undefined;
}

/** A change to apply right before the list request number `atRequest` of a stream (0-based, counted from when it was asked for). */
type PendingChange =
  | { stream: StreamName; atRequest: number; kind: 'mutation'; mutation: DatasetMutation }
  | { stream: StreamName; atRequest: number; kind: 'snapshot'; change: SnapshotSwitch };

export interface ServerContext {
  dataset: Dataset;
  faults: FaultInjector;
  /** Holds list requests while a test stops the machine at a known point. */
  gate: RequestGate;
  adminKeys: ReadonlySet<string>;
  ingestionKeys: ReadonlySet<string>;
  /** Read on every request: `clearRequestLog` swaps the array. */
  readonly requestLog: RequestLogEntry[];
  requestLogLimit: number;
  seed: number;
  /** Delay of each answer; undefined answers at once. */
  latency?: LatencyModel;
  /** Streams whose known-broken endpoint answers anyway (as if production had fixed it). */
  fixedEndpoints: ReadonlySet<StreamName>;
  /** SEI 2.0 paths (`/v2/...`, see ./v2/api.ts). */
  v2?: V2Api;
  /** Which of the server's quirks this simulator has (./quirks.ts); read on every request. */
  quirks: QuirkOptions;
}

export class SimulatorServer {
  readonly #queries = new Map<StreamName, StreamQueries>();
  readonly #pending: PendingChange[] = [];
  /** List requests answered per stream (those that reached the query), to schedule changes. */
  readonly #requestsServed = new Map<StreamName, number>();
  readonly #stale = new Map<string, PageResult>();
  #staleBytes = 0;
  readonly #shuffleRng: Rng;
  readonly #servedEndpoints = new Map<SimEndpoint, SimEndpoint>();
  /** Time spent building answers (filter, sort, serialize), for measurements. */
  busyMs = 0;

  constructor(readonly ctx: ServerContext) {
    this.#shuffleRng = new Rng(ctx.seed ^ (STREAM_TAGS.shuffles * 0x9e3779b1));
  }

  /** Runs `mutation` right before answering the `afterRequests`-th next list request of `stream`. */
  mutateDuringWalk(stream: StreamName, afterRequests: number, mutation: DatasetMutation): void {
    this.#pending.push({
      stream,
      atRequest: this.#served(stream) + afterRequests,
      kind: 'mutation',
      mutation,
    });
  }

  /** Switches `stream` to a new daily snapshot right before its `afterRequests`-th next list request. */
  switchSnapshotDuringWalk(stream: StreamName, afterRequests: number, change: SnapshotSwitch = {}): void {
    this.#pending.push({ stream, atRequest: this.#served(stream) + afterRequests, kind: 'snapshot', change });
  }

  #served(stream: StreamName): number {
    return this.#requestsServed.get(stream) ?? 0;
  }

  queries(stream: StreamName): StreamQueries {
    let queries = this.#queries.get(stream);
    if (!queries) {
      queries = new StreamQueries(this.ctx.dataset.state(stream));
      this.#queries.set(stream, queries);
    }
    return queries;
  }

  /** Entry point for node:http. Never throws: every failure becomes a response (or a reset). */
  handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.#handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        this.#sendJson(res, 500, errorBody(500, 'Internal Server Error', String(error)));
      } else {
        res.destroy();
      }
    });
  };

  /**
   * The fault knobs (429, 503, 500, resets, slow answers), the same for 1.0 lists and 2.0 calls:
   * `answered` when one of them answered, `truncate` when the answer's body is to be cut (lists only).
   */
  async #transportFault(
    req: IncomingMessage,
    res: ServerResponse,
    entry: RequestLogEntry,
    finish: (status: number, records?: number, fault?: keyof FaultOptions) => void,
  ): Promise<'answered' | 'truncate' | undefined> {
    const decision = this.ctx.faults.decide();
    if (decision.delayMs > 0) {
      entry.fault = 'slow';
      await sleep(decision.delayMs);
    }
    switch (decision.failure) {
      case 'connectionReset':
        finish(0, 0, 'connectionReset');
        resetSocket(req);
        return 'answered';
      case 'rateLimited':
        finish(429, 0, 'rateLimited');
        this.#sendJson(res, 429, errorBody(429, 'Too Many Requests', 'Rate limit exceeded, try again later'));
        return 'answered';
      case 'unavailable':
        finish(503, 0, 'unavailable');
        this.#sendJson(res, 503, errorBody(503, 'Service Unavailable', 'Service temporarily unavailable'), {
          'retry-after': String(this.ctx.faults.faults.retryAfterSeconds),
        });
        return 'answered';
      case 'serverError': {
        finish(500, 0, 'serverError');
        const html =
          '<html><head><title>500 Internal Server Error</title></head><body><center><h1>500 Internal Server Error</h1></center><hr><center>nginx</center></body></html>';
        res.writeHead(500, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(html) });
        res.end(html);
        return 'answered';
      }
      case 'truncatedBody':
        return 'truncate';
      default:
        return undefined;
    }
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const entry: RequestLogEntry = {
      at: Date.now(),
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search.startsWith('?') ? url.search.slice(1) : url.search,
      page: undefined,
      pageSize: undefined,
      status: 0,
      fault: undefined,
      records: 0,
    };
    const finish = (status: number, records = 0, fault?: keyof FaultOptions) => {
      entry.status = status;
      entry.records = records;
      if (fault) entry.fault = fault;
      this.#log(entry);
    };

    const endpoint = this.#withQuirks(matchEndpoint(url.pathname));
    const dora = endpoint ? undefined : matchDoraRoute(url.pathname);
    let raw: string;
    try {
      raw = await readBody(req);
    } catch {
      finish(413);
      this.#sendJson(res, 413, errorBody(413, 'Payload Too Large', 'request body too large'));
      return;
    }
    if (url.pathname === GATE_PATH) {
      this.#controlGate(req, res, raw);
      return;
    }
    if (this.ctx.v2?.owns(url.pathname)) {
      if ((await this.#transportFault(req, res, entry, finish)) === 'answered') return;
      finish(this.ctx.v2.handle(req, res, url, raw));
      return;
    }
    const missing = endpoint && this.ctx.quirks.missingEndpoints.includes(endpoint.stream);
    if ((!endpoint && !dora) || missing) {
      // The server authenticates before it routes (a filter ahead of the handlers): an unknown route
      // with a bad key is a 401, and only an authorized caller learns that a route does not exist.
      const role = this.#authorize(req.headers.authorization);
      if (role !== 'admin') {
        this.#refuse(res, role, finish);
        return;
      }
      finish(404);
      this.#sendJson(res, 404, errorBody(404, 'Not Found', `no endpoint at ${url.pathname}`));
      return;
    }
    if (req.method !== 'POST') {
      finish(405);
      this.#sendJson(res, 405, errorBody(405, 'Method Not Allowed', 'list endpoints take POST'));
      return;
    }

    // Peek at the paging fields for the log even if the request fails later.
    const body = parseJsonObject(raw);
    if (body) {
      entry.body = body;
      entry.page = typeof body.page === 'number' ? body.page : undefined;
      const size = body[endpoint?.pageSizeParam ?? 'page_size'];
      entry.pageSize = typeof size === 'number' ? size : undefined;
    }

    const held = this.ctx.gate.pass(endpoint?.stream);
    if (held) {
      await held;
      // The client gave up while held (a stopped worker aborts its requests): nothing to answer.
      if (res.destroyed || req.socket.destroyed) {
        finish(0);
        return;
      }
    }

    const fault = await this.#transportFault(req, res, entry, finish);
    if (fault === 'answered') return;

    const role = this.#authorize(req.headers.authorization);
    if (role !== 'admin') {
      this.#refuse(res, role, (status) => finish(status, 0, entry.fault));
      return;
    }
    if (!body && !(dora && BODYLESS_ROUTES.has(dora))) {
      finish(400, 0, entry.fault);
      this.#sendJson(res, 400, errorBody(400, 'Bad Request', 'request body must be a JSON object'));
      return;
    }

    let page: CachedPage;
    try {
      const started = performance.now();
      try {
        page = dora
          ? { ...answerDora(dora, this.ctx.dataset, body ?? {}), skipped: 0 }
          : this.#answer(
              endpoint as SimEndpoint,
              body ?? {},
              url.searchParams.get('there_is_no_cache') === 'true',
            );
      } finally {
        this.busyMs += performance.now() - started;
      }
    } catch (error) {
      if (error instanceof QueryError || error instanceof ServerError) {
        const reason = error.status === 400 ? 'Bad Request' : 'Internal Server Error';
        finish(error.status, 0, entry.fault);
        this.#sendJson(res, error.status, errorBody(error.status, reason, error.message));
        return;
      }
      throw error;
    }
    const delay = latencyMs(this.ctx.latency, page.records, page.skipped);
    if (delay > 0) await sleep(delay);
    entry.page = numberOr(body?.page, 0);
    entry.pageSize = endpoint && body ? pageSizeOf(endpoint, body) : undefined;

    if (fault === 'truncate') {
      finish(200, page.records, 'truncatedBody');
      const bytes = page.body;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': bytes.length });
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => resetSocket(req));
      return;
    }
    finish(200, page.records, entry.fault);
    this.#sendJson(res, 200, page.body);
  }

  /** The endpoint as this simulator's quirks serve it (built once per endpoint). */
  #withQuirks(endpoint: SimEndpoint | undefined): SimEndpoint | undefined {
    if (endpoint === undefined) return undefined;
    let served = this.#servedEndpoints.get(endpoint);
    if (served === undefined) {
      served = endpointWithQuirks(endpoint, this.ctx.quirks);
      this.#servedEndpoints.set(endpoint, served);
    }
    return served;
  }

  /** The gate's admin endpoint: not logged, so that request counts stay the sync's own. */
  #controlGate(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const role = this.#authorize(req.headers.authorization);
    if (role !== 'admin') {
      this.#refuse(res, role, () => {});
      return;
    }
    if (req.method === 'POST') {
      const body = parseJsonObject(raw);
      try {
        if (body?.release === true) this.ctx.gate.release();
        else if (typeof body?.hold === 'object' && body.hold !== null)
          this.ctx.gate.hold(body.hold as HoldOptions);
        else
          throw new RangeError('body must be {"hold": {"after": n, "stream"?: name}} or {"release": true}');
      } catch (error) {
        this.#sendJson(res, 400, errorBody(400, 'Bad Request', (error as Error).message));
        return;
      }
    }
    this.#sendJson(res, 200, JSON.stringify(this.ctx.gate.state));
  }

  /** 401 without a known key, 403 for an Ingestion key. */
  #refuse(res: ServerResponse, role: 'ingestion' | undefined, finish: (status: number) => void): void {
    const status = role === 'ingestion' ? 403 : 401;
    finish(status);
    this.#sendJson(
      res,
      status,
      role === 'ingestion'
        ? errorBody(403, 'Forbidden', 'This API key does not have the Admin role')
        : errorBody(401, 'Unauthorized', 'Missing or invalid API key'),
    );
  }

  #authorize(header: string | undefined): 'admin' | 'ingestion' | undefined {
    if (!header) return undefined;
    const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(header);
    if (!match) return undefined;
    const [, scheme, key] = match as unknown as [string, string, string];
    if (!this.ctx.quirks.authSchemes.some((word) => word.toLowerCase() === scheme.toLowerCase()))
      return undefined;
    if (this.ctx.adminKeys.has(key)) return 'admin';
    if (this.ctx.ingestionKeys.has(key)) return 'ingestion';
    return undefined;
  }

  /** Builds (or, without `there_is_no_cache=true`, replays the first) answer for this body. */
  #answer(endpoint: SimEndpoint, body: Record<string, unknown>, noCache: boolean): CachedPage {
    const page = numberOr(body.page, 0);
    if (!Number.isInteger(page) || page < 0) throw new QueryError('page must be an integer >= 0');
    const pageSize = pageSizeOf(endpoint, body);
    if (!Number.isInteger(pageSize) || pageSize < 1) {
      throw new QueryError(`${endpoint.pageSizeParam} must be a positive integer`);
    }
    if (endpoint.maxPageSize !== undefined && pageSize > endpoint.maxPageSize) {
      throw new QueryError(`page_size cannot exceed ${endpoint.maxPageSize}`);
    }
    if (endpoint.broken && !this.ctx.fixedEndpoints.has(endpoint.stream))
      throw new ServerError(endpoint.broken.message);
    const state = this.ctx.dataset.state(endpoint.stream);
    const filter = parseFilter(state, body.filter, endpoint.range, endpoint.fieldAliases);
    // A list that ignores the range filter (quirk): validated as ever, then not applied.
    if (this.ctx.quirks.ignoresRangeFilter.includes(endpoint.stream)) filter.ranges.length = 0;
    const horizon = endpoint.horizon;
    if (horizon && !horizon.unlessAcross.includes(String(body.across))) {
      // CiCdAggsService: the default `across` (trend) adds `start_time >= now() - 90 days`.
      const unitScale = state.generator.timeFilters[horizon.field] === 'ms' ? 1000 : 1;
      filter.ranges.push({
        field: horizon.field,
        gt: Math.floor(Date.now() / 1000) - horizon.days * 86_400,
        scale: unitScale,
        inclusive: true,
      });
    }
    const requested = parseSort(body.sort);
    const effective =
      (!this.ctx.quirks.sortIgnored && honouredSort(requested)) || effectiveSort(endpoint.order, requested);
    if ('error' in effective) throw new ServerError(effective.error);
    const applied = effective.sort === undefined ? undefined : effective;

    this.#runPendingChanges(endpoint.stream);

    // User identities key their cache without the page: every page of a cached query is the first one.
    const keyBody = endpoint.cacheIgnoresPage ? { ...body, page: 0, [endpoint.pageSizeParam]: 0 } : body;
    const cacheKey = `${endpoint.paths[0]}\n${JSON.stringify(keyBody)}`;
    let result = noCache ? undefined : this.#stale.get(cacheKey);
    if (result === undefined) {
      result = this.#query(endpoint, body, filter, applied, { page, pageSize });
      if (!noCache) this.#remember(cacheKey, result);
    }
    return {
      body: envelope(endpoint, result, page, pageSize),
      records: result.parts.length,
      skipped: result.start,
    };
  }

  /** The records of one page as the server's query returns them (ordered, ties shuffled, fields as served). */
  #query(
    endpoint: SimEndpoint,
    body: Record<string, unknown>,
    filter: ReturnType<typeof parseFilter>,
    applied: { sort: readonly SortSpec[]; ties: TiePolicy } | undefined,
    paging: { page: number; pageSize: number },
  ): PageResult {
    const state = this.ctx.dataset.state(endpoint.stream);
    const queries = this.queries(endpoint.stream);
    const sort = applied?.sort.map((spec) => ({ ...spec, id: endpoint.fieldAliases?.[spec.id] ?? spec.id }));
    const order = queries.resolve(filter, sort);
    const total = order.length;
    const start = Math.min(total, paging.page * paging.pageSize);
    const end = Math.min(total, start + paging.pageSize);
    const ordinals =
      applied === undefined || sort === undefined
        ? pageInRandomOrder(order, start, end, this.#shuffleRng)
        : applied.ties === 'shuffle'
          ? pageWithShuffledTies(order, start, end, queries.sameSortValues(sort), this.#shuffleRng)
          : order.subarray(start, end);
    const served = servedRecord(endpoint, body);
    const parts: Buffer[] = [];
    for (const ordinal of ordinals) parts.push(served ? served(state.record(ordinal)) : state.json(ordinal));
    let nonUsers: number | undefined;
    if (endpoint.nonUsersCount) {
      nonUsers = 0;
      for (let k = 0; k < total; k++) if (state.field(order[k] as number, 'id') === '0') nonUsers++;
    }
    return { parts, total, start, nonUsers };
  }

  #runPendingChanges(stream: StreamName): void {
    const served = this.#served(stream);
    this.#requestsServed.set(stream, served + 1);
    for (let k = 0; k < this.#pending.length; k++) {
      const pending = this.#pending[k];
      if (pending && pending.stream === stream && pending.atRequest <= served) {
        this.#pending.splice(k, 1);
        k--;
        if (pending.kind === 'mutation') this.ctx.dataset.mutate(stream, pending.mutation);
        else this.ctx.dataset.switchSnapshot(stream, pending.change);
      }
    }
  }

  #remember(key: string, page: PageResult): void {
    this.#stale.set(key, page);
    this.#staleBytes += bytesOf(page);
    for (const [oldKey, old] of this.#stale) {
      if (this.#staleBytes <= STALE_CACHE_MAX_BYTES) break;
      this.#stale.delete(oldKey);
      this.#staleBytes -= bytesOf(old);
    }
  }

  #log(entry: RequestLogEntry): void {
    const log = this.ctx.requestLog;
    log.push(entry);
    if (log.length > this.ctx.requestLogLimit) log.splice(0, log.length - this.ctx.requestLogLimit);
  }

  #sendJson(
    res: ServerResponse,
    status: number,
    body: string | Buffer,
    headers: Record<string, string> = {},
  ): void {
    // Encode once: the length header and the bytes sent come from the same buffer.
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length, ...headers });
    res.end(bytes);
  }
}

const bytesOf = (page: PageResult) => page.parts.reduce((sum, part) => sum + part.length, 0);

/**
 * How the records of `endpoint` are written for this request when it is not the stored record as is:
 * a field filled with the request's time, or one served only on request. Undefined: as stored.
 */
function servedRecord(
  endpoint: SimEndpoint,
  body: Record<string, unknown>,
  spread?: (record: SeiRecord) => SeiRecord,
): ((record: SeiRecord) => Buffer) | undefined {
  const stamp = endpoint.requestTimeField;
  const optional = endpoint.optionalField;
  const filter = body.filter as Record<string, unknown> | undefined;
  const omit = optional !== undefined && filter?.[optional.flag] !== true ? optional.field : undefined;
  if (stamp === undefined && omit === undefined && spread === undefined) return undefined;
  const now = Date.now();
  return (record) => {
    const served: SeiRecord = spread ? spread(record) : { ...record };
    if (stamp && record.status !== stamp.unlessStatus) served[stamp.field] = now;
    if (omit !== undefined) delete served[omit];
    return Buffer.from(JSON.stringify(served));
  };
}

/** The response around a page's records: `count`, `_metadata` as the endpoint computes it. */
function envelope(endpoint: SimEndpoint, result: PageResult, page: number, pageSize: number): Buffer {
  const count = result.parts.length;
  const hasNext = endpoint.hasNext === 'page_full' ? count === pageSize : result.total > count;
  const metadata: Record<string, number | boolean> = { page_size: pageSize, page };
  if (hasNext) metadata.next_page = page + 1;
  metadata.has_next = hasNext;
  metadata.total_count = totalCountOf(endpoint.totalCount, result, count, pageSize);
  let tail = `],"count":${count},"_metadata":${JSON.stringify(metadata)}`;
  if (result.nonUsers !== undefined) tail += `,"non_users_count":${result.nonUsers}`;
  tail += '}';
  const chunks: Buffer[] = [RECORDS_OPEN];
  for (let k = 0; k < result.parts.length; k++) {
    if (k > 0) chunks.push(COMMA);
    chunks.push(result.parts[k] as Buffer);
  }
  chunks.push(Buffer.from(tail));
  return Buffer.concat(chunks);
}

function totalCountOf(
  semantics: SimEndpoint['totalCount'],
  result: PageResult,
  count: number,
  pageSize: number,
): number {
  if (semantics === 'total') return result.total;
  if (semantics === 'page') return count;
  // The count query runs only for a full page; otherwise what was skipped plus what came back.
  if (count === 0) return 0;
  return count < pageSize ? result.start + count : result.total;
}

function errorBody(status: number, error: string, message: string): string {
  return JSON.stringify({ timestamp: Date.now(), status, error, message });
}

function pageSizeOf(endpoint: SimEndpoint, body: Record<string, unknown>): number {
  return numberOr(body[endpoint.pageSizeParam], SERVER_DEFAULT_PAGE_SIZE);
}

/** Numbers, and numeric strings as Jackson would coerce them; anything else is NaN (then a 400). */
function numberOr(value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return Number.NaN;
}

function parseJsonObject(raw: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        reject(new Error('body too large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A TCP reset where the platform allows it (the client sees ECONNRESET), else a plain close. */
function resetSocket(req: IncomingMessage): void {
  const socket = req.socket as IncomingMessage['socket'] & { resetAndDestroy?: () => void };
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
