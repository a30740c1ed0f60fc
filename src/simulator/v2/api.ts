/**
 * The HTTP side of the simulated SEI 2.0 API, served by the same process as 1.0 under any prefix:
 * `/v2/...` (the DH export pages' relative paths on the `.../sei/api/` bases) and
 * `/gateway/sei/api/v2/...` (MCP) both work.
 *
 * Checks in order: key (401 none or refused placement, 403 Ingestion role), route (404), account
 * (400 missing, 403 another), `orgIdentifier` and `projectIdentifier` query parameters (400 naming the
 * missing one, 403 another project: 2.0 keys are project-scoped), method (405), then the request (400
 * naming the field). Errors use Harness NG's `{status: "ERROR", code, message}` (CHOSEN).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Universe } from '../universe.js';
import { EXPORT_SPECS } from './columns.js';
import { ExportStore } from './exports.js';
import { ngPage, springPage, V2Org } from './org.js';
import { planExport, V2RequestError } from './request.js';
import { EXPORT_TYPES, type ExportType, V2_DEFAULTS, type V2Faults, type V2Options } from './types.js';

const V2_SEGMENT = /\/v2(\/.*)$/;
/** The 2.0 routes served; others are a 404 once the key is known (before the account is checked). */
const ROUTES = [
  /^\/org-trees(\/[^/]+(\/(teams|integrations))?)?$/,
  /^\/teams\/[^/]+\/developers$/,
  /^\/developers$/,
  /^\/insights\/[^/]+\/exports(\/[^/]+(\/download)?)?$/,
];
const MAX_PAGE_SIZE = 100;

interface Answer {
  status: number;
  body: unknown;
}

export interface V2ApiContext {
  seed: number;
  universe: Universe;
  adminKeys: ReadonlySet<string>;
  ingestionKeys: ReadonlySet<string>;
  options: V2Options;
}

export class V2Api {
  readonly org: V2Org;
  readonly exports: ExportStore;
  readonly settings: Required<Omit<V2Options, 'faults'>>;
  #faults: V2Faults;

  constructor(readonly ctx: V2ApiContext) {
    const { faults, ...rest } = ctx.options;
    this.settings = { ...V2_DEFAULTS, now: Date.now, ...rest };
    this.#faults = { fate: { ...faults?.fate } };
    this.org = new V2Org(ctx.universe);
    this.exports = new ExportStore({
      seed: ctx.seed,
      org: this.org,
      now: () => this.settings.now(),
      pollsPerStep: this.settings.pollsPerStep,
      fateOf: (type) => this.#faults.fate[type] ?? 'complete',
    });
  }

  get faults(): Readonly<V2Faults> {
    return this.#faults;
  }

  setFaults(faults: Partial<V2Faults>): void {
    this.#faults = { fate: { ...faults.fate } };
  }

  /** Whether `pathname` is a 2.0 path (anything with a `/v2/` segment). */
  owns(pathname: string): boolean {
    return V2_SEGMENT.test(pathname);
  }

  /** Answers one request; returns the status sent (for the request log). */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, raw: string): number {
    const match = V2_SEGMENT.exec(url.pathname) as RegExpExecArray;
    const prefix = url.pathname.slice(0, match.index);
    const route = (match[1] as string).replace(/\/$/, '');
    let answer: Answer;
    try {
      this.#admitKey(req);
      if (!ROUTES.some((pattern) => pattern.test(route))) {
        throw new V2RequestError(404, `No endpoint at /v2${route}`);
      }
      this.#admitScope(req, url.searchParams);
      answer = this.#route(req.method ?? 'GET', route, url.searchParams, raw, {
        base: `http://${req.headers.host ?? 'localhost'}${prefix}/v2`,
        res,
      });
    } catch (error) {
      if (!(error instanceof V2RequestError)) throw error;
      answer = failure(error.status, error.message);
    }
    if (answer.body !== SENT) sendJson(res, answer.status, answer.body);
    return answer.status;
  }

  #admitKey(req: IncomingMessage): void {
    const { acceptAuth } = this.settings;
    let key: string | undefined;
    const authorization = /^\s*apikey\s+(\S+)\s*$/i.exec(String(req.headers.authorization ?? ''));
    if (acceptAuth.includes('apiKey') && authorization) key = authorization[1];
    const xApiKey = req.headers['x-api-key'];
    if (key === undefined && acceptAuth.includes('xApiKey') && typeof xApiKey === 'string')
      key = xApiKey.trim();
    if (key === undefined || !(this.ctx.adminKeys.has(key) || this.ctx.ingestionKeys.has(key))) {
      throw new V2RequestError(401, 'Missing or invalid API key');
    }
    if (!this.ctx.adminKeys.has(key))
      throw new V2RequestError(403, 'This API key does not have the SEI Admin role');
  }

  #admitScope(req: IncomingMessage, query: URLSearchParams): void {
    const { accountIn, accountId, orgIdentifier, projectIdentifier } = this.settings;
    const header = req.headers['harness-account'];
    const account =
      (accountIn.includes('header') && typeof header === 'string' ? header : undefined) ??
      (accountIn.includes('query') ? (query.get('account') ?? undefined) : undefined);
    if (!account) {
      const places = accountIn.map((place) =>
        place === 'header' ? 'the Harness-Account header' : 'the account query parameter',
      );
      throw new V2RequestError(400, `account is required in ${places.join(' or ')}`);
    }
    if (account !== accountId)
      throw new V2RequestError(403, `This API key does not belong to account ${account}`);

    for (const [name, expected] of [
      ['orgIdentifier', orgIdentifier],
      ['projectIdentifier', projectIdentifier],
    ] as const) {
      const value = query.get(name);
      if (!value) throw new V2RequestError(400, `${name} query parameter is required`);
      if (value !== expected) throw new V2RequestError(403, `This API key is not scoped to ${name} ${value}`);
    }
  }

  #route(
    method: string,
    route: string,
    query: URLSearchParams,
    raw: string,
    out: { base: string; res: ServerResponse },
  ): Answer {
    const parts = route.split('/').filter(Boolean).map(decodeURIComponent);
    const [head, id, sub, ...rest] = parts;
    const get = (answer: () => Answer): Answer =>
      method === 'GET' ? answer() : failure(405, `${method} is not allowed on /v2${route}`);

    if (head === 'org-trees' && rest.length === 0) {
      if (id === undefined) {
        const { index, size } = paging(query, 'pageIndex', 'pageSize', 50);
        return get(() =>
          ok(
            ngPage(
              this.org.trees.map((tree) => this.org.treeJson(tree)),
              index,
              size,
            ),
          ),
        );
      }
      const tree = this.org.tree(Number(id));
      if (!tree) return failure(404, `Org tree ${id} not found`);
      if (sub === undefined) return get(() => ok(this.org.treeJson(tree)));
      if (sub === 'teams') return get(() => ok(this.org.teamsJson(tree)));
      if (sub === 'integrations') return get(() => ok(this.org.integrationsJson()));
    }
    if (head === 'teams' && sub === 'developers' && rest.length === 0) {
      const team = this.org.teams.get(Number(id));
      if (!team) return failure(404, `Team ${id} not found`);
      const { index, size } = paging(query, 'page', 'size', 20);
      const developers = this.org.developersOf(team.refId).map((d) => this.org.developerJson(d));
      return get(() => ok(springPage(developers, index, size)));
    }
    if (head === 'developers' && id === undefined) {
      const { index, size } = paging(query, 'pageIndex', 'pageSize', 50);
      return get(() =>
        ok(
          ngPage(
            this.org.developers.map((d) => this.org.developerJson(d)),
            index,
            size,
          ),
        ),
      );
    }
    if (head === 'insights' && sub === 'exports')
      return this.#exports(method, id ?? '', rest, query, raw, out);
    return failure(404, `No endpoint at /v2${route}`);
  }

  #exports(
    method: string,
    segment: string,
    rest: string[],
    query: URLSearchParams,
    raw: string,
    out: { base: string; res: ServerResponse },
  ): Answer {
    if (rest.length === 0) {
      // Created at the type's own name (`sprint`), never at the poll segment (`sprints`).
      if (!(EXPORT_TYPES as readonly string[]).includes(segment))
        return failure(404, `No export type ${segment}`);
      if (method !== 'POST') return failure(405, `${method} is not allowed on an export collection`);
      const type = segment as ExportType;
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        return failure(400, 'request body must be a JSON object');
      }
      const plan = planExport(type, body, this.org);
      const identity = `${query.get('orgIdentifier')}/${query.get('projectIdentifier')}\n${canonical(body)}`;
      const { job, reused } = this.exports.create(type, identity, plan);
      return {
        status: reused ? 200 : 202,
        body: {
          exportId: job.id,
          createdAt: new Date(job.createdAtMs).toISOString(),
          message: reused ? 'Using existing export' : 'Export job created',
        },
      };
    }
    const [exportId, download, ...extra] = rest;
    const job = this.exports.jobs.get(exportId as string);
    // Polled and downloaded at the poll segment only (`sprints` for sprint exports, DH).
    if (!job || EXPORT_SPECS[job.type].pollSegment !== segment || extra.length > 0) {
      return failure(404, `Export ${exportId} not found`);
    }
    if (method !== 'GET') return failure(405, `${method} is not allowed on an export`);
    if (download === undefined) {
      const status = this.exports.poll(job);
      // CHOSEN: the URL carries the project parameters, so it works as given (with the key).
      const project = `orgIdentifier=${query.get('orgIdentifier')}&projectIdentifier=${query.get('projectIdentifier')}`;
      const url = `${out.base}/insights/${segment}/exports/${job.id}/download?${project}`;
      return ok(this.exports.statusJson(job, status, url));
    }
    if (download !== 'download') return failure(404, `No endpoint under export ${job.id}`);
    const status = this.exports.status(job);
    if (status !== 'COMPLETED') return failure(409, `Export ${job.id} is ${status}, not COMPLETED`);
    const file = this.exports.file(job);
    out.res.writeHead(200, {
      'content-type': job.plan.compression === 'gzip' ? 'application/gzip' : 'text/csv',
      'content-length': file.length,
      'content-disposition': `attachment; filename="${this.exports.filename(job)}"`,
    });
    out.res.end(file);
    return { status: 200, body: SENT };
  }
}

/** Marks an answer already written (the download). */
const SENT = Symbol('sent');

const ok = (body: unknown): Answer => ({ status: 200, body });

function failure(status: number, message: string): Answer {
  const code =
    status === 400
      ? 'INVALID_REQUEST'
      : status === 401
        ? 'UNAUTHORIZED'
        : status === 403
          ? 'ACCESS_DENIED'
          : status === 404
            ? 'RESOURCE_NOT_FOUND'
            : status === 409
              ? 'CONFLICT'
              : 'METHOD_NOT_ALLOWED';
  return { status, body: { status: 'ERROR', code, message } };
}

function paging(query: URLSearchParams, indexName: string, sizeName: string, defaultSize: number) {
  const index = Number(query.get(indexName) ?? 0);
  const size = Number(query.get(sizeName) ?? defaultSize);
  if (!Number.isInteger(index) || index < 0)
    throw new V2RequestError(400, `${indexName} must be an integer >= 0`);
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new V2RequestError(400, `${sizeName} must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  return { index, size };
}

/** JSON with object keys sorted, so key order does not make two requests differ. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length });
  res.end(bytes);
}
