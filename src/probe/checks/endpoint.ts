/** The endpoint answers: the first request of a walk (or of a list) gets a page. */
import { type ListClient, type ListSource, listPage, SeiError } from '../../extract/index.js';
import type { StreamDefinition } from '../../streams/types.js';
import { type Exchange, evidenceOf, type StreamProbe } from '../session.js';
import type { ProbeRow } from '../types.js';
import { row, sendCapture } from './row.js';

const ASSUMPTION = 'the list endpoint answers';

export async function checkEndpoint(probe: StreamProbe): Promise<ProbeRow> {
  const exchange = await probe.discovery();
  return endpointRow(
    probe.stream,
    probe.stream.path,
    exchange,
    `walks it by time on \`${probe.cursor.recordField}\``,
  );
}

/** The routes a list is asked on, the first that answers kept (as the sync does). */
export function listRoutes(stream: StreamDefinition): string[] {
  return [
    ...new Set([
      stream.alternativePaths?.[0] ?? stream.path,
      stream.path,
      ...(stream.alternativePaths ?? []),
    ]),
  ];
}

/** A full-refresh list: a one-record page on each route until one answers. */
export async function checkListEndpoint(
  client: ListClient,
  stream: StreamDefinition,
  sourceOn: (path: string) => ListSource,
): Promise<ProbeRow> {
  let last: { path: string; exchange: Exchange } | undefined;
  for (const path of listRoutes(stream)) {
    const source = sourceOn(path);
    const exchange: Exchange = { request: 'page_size=1' };
    try {
      exchange.answer = await listPage(client, source, {
        page: 0,
        pageSize: 1,
        filter: source.baseFilter ?? {},
      });
    } catch (error) {
      if (!(error instanceof SeiError)) throw error;
      exchange.error = error;
    }
    last = { path, exchange };
    if (exchange.error?.status !== 404) break;
  }
  const { path, exchange } = last as { path: string; exchange: Exchange };
  return endpointRow(stream, path, exchange, 'reads the whole list until two reads agree');
}

function endpointRow(stream: StreamDefinition, path: string, exchange: Exchange, walk: string): ProbeRow {
  const evidence = `POST ${path} ${evidenceOf(exchange)}`;
  if (exchange.answer) return row('endpoint', stream, ASSUMPTION, 'holds', evidence, walk);
  const status = exchange.error?.status;
  if (stream.fallback && status !== undefined && stream.fallback.statuses.includes(status))
    return row(
      'endpoint',
      stream,
      ASSUMPTION,
      'does_not_hold',
      evidence,
      `known: ${stream.fallback.reason}; rows are derived from ${stream.fallback.from}`,
      true,
    );
  if (status === 404)
    return row(
      'endpoint',
      stream,
      ASSUMPTION,
      'does_not_hold',
      evidence,
      'this SEI does not serve the list: a sync marks the stream unavailable (not a failed run) and asks again daily; named in --streams it fails',
      true,
    );
  if (status === 401 || status === 403)
    return row(
      'endpoint',
      stream,
      ASSUMPTION,
      'unknown',
      evidence,
      'the key was refused: see the auth_scheme rows',
    );
  if (status === undefined || status === 429 || status >= 502)
    return row(
      'endpoint',
      stream,
      ASSUMPTION,
      'unknown',
      evidence,
      'SEI did not answer in time: run the probe again later',
    );
  return row(
    'endpoint',
    stream,
    ASSUMPTION,
    'does_not_hold',
    evidence,
    `the stream fails on this SEI; ${sendCapture(stream)}`,
  );
}
