/** Plain fetch helpers for the SEI 2.0 simulator tests (deliberately not the project's client). */
import { gunzipSync } from 'node:zlib';
import type { SimulatorHandleWithExtras } from '../../../src/simulator/index.js';

export const ACCOUNT = 'sim-account';
export const SCOPE = 'orgIdentifier=default&projectIdentifier=sim_project';

export interface V2CallOptions {
  method?: string;
  body?: unknown;
  /** Headers replacing the defaults (ApiKey authorization + Harness-Account). */
  headers?: Record<string, string>;
  /** Query string replacing `SCOPE`. */
  query?: string;
  /** Path prefix before `/v2`. @defaultValue '/gateway/sei/api' */
  base?: string;
}

export interface V2Answer {
  status: number;
  headers: Headers;
  bytes: Buffer;
  // biome-ignore lint/suspicious/noExplicitAny: test answers are read field by field
  json: any;
}

export async function call(
  sim: SimulatorHandleWithExtras,
  path: string,
  options: V2CallOptions = {},
): Promise<V2Answer> {
  const query = options.query ?? SCOPE;
  const url = `${sim.url}${options.base ?? '/gateway/sei/api'}/v2${path}${path.includes('?') ? '&' : '?'}${query}`;
  const headers = options.headers ?? { authorization: `ApiKey ${sim.adminKey}`, 'harness-account': ACCOUNT };
  const response = await fetch(url, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers: { ...headers, ...(options.body !== undefined && { 'content-type': 'application/json' }) },
    ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  let json: unknown;
  if ((response.headers.get('content-type') ?? '').includes('json'))
    json = JSON.parse(bytes.toString('utf8'));
  return { status: response.status, headers: response.headers, bytes, json };
}

/** Polls until the status is terminal (or `maxPolls`), returning every status seen. */
export async function pollUntilDone(
  sim: SimulatorHandleWithExtras,
  statusPath: string,
  maxPolls = 10,
): Promise<{ statuses: string[]; last: V2Answer }> {
  const statuses: string[] = [];
  let last: V2Answer | undefined;
  for (let k = 0; k < maxPolls; k++) {
    last = await call(sim, statusPath);
    statuses.push(last.json.status);
    if (!['QUEUED', 'PROCESSING', 'queued', 'processing'].includes(last.json.status)) break;
  }
  return { statuses, last: last as V2Answer };
}

/** Header and rows of a CSV without quoted fields (the simulator's values need none). */
export function parseCsv(text: string): { header: string[]; rows: Record<string, string>[] } {
  const [head, ...lines] = text.trimEnd().split('\n');
  const header = (head as string).split(',');
  const rows = lines.map((line) => Object.fromEntries(line.split(',').map((cell, k) => [header[k], cell])));
  return { header, rows };
}

/** Create → poll to COMPLETED → download → gunzip → parse. */
export async function runExport(
  sim: SimulatorHandleWithExtras,
  type: string,
  body: unknown,
  pollSegment = type,
): Promise<{ exportId: string; header: string[]; rows: Record<string, string>[] }> {
  const created = await call(sim, `/insights/${type}/exports`, { body });
  if (created.status !== 202 && created.status !== 200)
    throw new Error(`create: ${created.status} ${created.bytes}`);
  const exportId = created.json.exportId as string;
  const { last } = await pollUntilDone(sim, `/insights/${pollSegment}/exports/${exportId}`);
  if (String(last.json.status).toUpperCase() !== 'COMPLETED') throw new Error(`status ${last.json.status}`);
  const download = await call(sim, `/insights/${pollSegment}/exports/${exportId}/download`);
  return { exportId, ...parseCsv(gunzipSync(download.bytes).toString('utf8')) };
}
