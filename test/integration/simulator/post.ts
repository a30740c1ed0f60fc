/** Plain fetch helpers for the simulator tests (deliberately not the project's SEI client). */
import type { SimulatorHandle } from '../../../src/simulator/index.js';

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: {
    records: Record<string, unknown>[];
    count: number;
    _metadata: Record<string, unknown>;
    non_users_count?: number;
    message?: string;
  };
}

export interface PostOptions {
  /** @defaultValue true */
  noCache?: boolean;
  authorization?: string | null;
  rawBody?: string;
  method?: string;
}

export async function post(
  sim: SimulatorHandle,
  path: string,
  body: unknown,
  options: PostOptions = {},
): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const authorization =
    options.authorization === undefined ? `APIKEY ${sim.adminKey}` : options.authorization;
  if (authorization !== null) headers.authorization = authorization;
  const query = options.noCache === false ? '' : '?there_is_no_cache=true';
  const response = await fetch(`${sim.url}${path}${query}`, {
    method: options.method ?? 'POST',
    headers,
    ...(options.method === 'GET' ? {} : { body: options.rawBody ?? JSON.stringify(body) }),
  });
  const text = await response.text();
  let json: Answer['json'];
  try {
    json = JSON.parse(text);
  } catch {
    json = { records: [], count: 0, _metadata: {} };
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Walks every page (stopping on a short page) and returns the records. */
export async function walk(
  sim: SimulatorHandle,
  path: string,
  body: Record<string, unknown>,
  pageSize: number,
  sizeParam = 'page_size',
): Promise<Record<string, unknown>[]> {
  const records: Record<string, unknown>[] = [];
  for (let page = 0; page < 10_000; page++) {
    const answer = await post(sim, path, { ...body, page, [sizeParam]: pageSize });
    if (answer.status !== 200) throw new Error(`page ${page}: ${answer.status} ${answer.text}`);
    records.push(...answer.json.records);
    if (answer.json.records.length < pageSize) break;
  }
  return records;
}
