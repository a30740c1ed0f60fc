/**
 * One export job: create it (`POST /v2/insights/<type>/exports`), poll its status with backoff until it
 * completes, fails or runs out of time, and say where its file is. Tolerates what the docs contradict:
 * the sprint export polled at `/sprints/` (then `/sprint/` if that is a 404), status words in any case,
 * `downloadUrl` or `download.url`, and the 200 "Using existing export" answer (the earlier job, reused).
 */
import { SEI_ERROR_CODES, SYNC_ERROR_CODES } from '../errors.js';
import { SeiError } from '../extract/sei/errors.js';
import { sleep } from '../extract/sei/retry.js';
import type { V2Client } from './client.js';
import { isObject, type Json, textOf } from './read-json.js';
import type { V2ExportType, V2Settings } from './settings.js';
import { V2Error } from './v2-error.js';

/** An export's scope: a whole org tree, or a team (and the teams under it). */
export type V2Scope = { kind: 'org_tree'; name: string } | { kind: 'team'; teamId: string };

export const scopeKey = (scope: V2Scope) =>
  scope.kind === 'org_tree' ? `org_tree:${scope.name}` : `team:${scope.teamId}`;

/** Metric groups asked per type: every documented group (DH). */
const METRIC_GROUPS: Record<V2ExportType, readonly string[] | undefined> = {
  efficiency: ['lttc', 'work_items', 'deployment_frequency', 'cfr', 'mttr', 'rating'],
  productivity: ['activity', 'velocity', 'volume', 'quality', 'collaboration'],
  sprint: ['work', 'delivery', 'deliveryAnalysis', 'analysis'],
  ba: ['CATEGORIZED', 'UNCATEGORIZED'],
  'ticket-data': undefined,
};

export interface DateRange {
  start: string;
  end: string;
}

/** The trailing window: `weeks` whole weeks up to `today` (UTC), as yyyy-MM-dd. */
export function trailingWindow(today: Date, weeks: number): DateRange {
  const end = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  const start = end - (weeks * 7 - 1) * 86_400_000;
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return { start: iso(start), end: iso(end) };
}

/** The request body of one export (DH's fields; productivity at developer level). */
export function exportRequest(
  type: V2ExportType,
  scope: V2Scope,
  range: DateRange,
  settings: V2Settings,
): Json {
  const scopeJson =
    scope.kind === 'org_tree'
      ? {
          orgTreeName: scope.name,
          orgIdentifier: settings.orgIdentifier,
          projectIdentifier: settings.projectIdentifier,
        }
      : { teamId: scope.teamId };
  const options: Json = {
    granularity: type === 'sprint' ? 'SPRINT' : settings.granularity,
    compression: 'gzip',
    format: 'csv',
  };
  if (type === 'productivity') options.metricLevel = 'developer';
  const body: Json = { scope: scopeJson, dateRange: range, options };
  const groups = METRIC_GROUPS[type];
  if (groups) body.metricGroups = [...groups];
  if (type === 'ticket-data') body.issueStatuses = [...settings.issueStatuses];
  return body;
}

export interface CreatedExport {
  exportId: string;
  /** The server answered with an earlier identical job ("Using existing export", within 30 minutes). */
  reused: boolean;
}

export async function createExport(
  client: V2Client,
  type: V2ExportType,
  body: Json,
  signal?: AbortSignal,
): Promise<CreatedExport> {
  const answer = await client.json('POST', `/v2/insights/${type}/exports`, {
    body,
    ...(signal && { signal }),
  });
  const json = isObject(answer.body) ? answer.body : {};
  const exportId = textOf(json, 'exportId', 'id', 'export_id');
  if (exportId === undefined)
    throw new V2Error(
      SYNC_ERROR_CODES.v2BadExport,
      `SEI 2.0 created a ${type} export without an exportId (answer ${answer.status}); nothing was loaded`,
      true,
    );
  const message = textOf(json, 'message') ?? '';
  return { exportId, reused: answer.status === 200 || /existing/i.test(message) };
}

export type ExportState = 'pending' | 'completed' | 'failed' | 'cancelled';

/** A status word in any case (`COMPLETED`, `completed`, `Cancelled`). */
export function exportState(status: unknown): ExportState {
  const word = String(status ?? '').toUpperCase();
  if (['COMPLETED', 'COMPLETE', 'SUCCEEDED', 'SUCCESS', 'DONE'].includes(word)) return 'completed';
  if (['FAILED', 'FAILURE', 'ERROR'].includes(word)) return 'failed';
  if (['CANCELLED', 'CANCELED'].includes(word)) return 'cancelled';
  return 'pending';
}

/** Where an export type is polled: the sprint export at `sprints` (DH), then at `sprint`. */
const pollSegments = (type: V2ExportType): string[] => (type === 'sprint' ? ['sprints', 'sprint'] : [type]);

export interface FinishedExport {
  /** Where the file is (a URL from the status, or the documented download path). */
  downloadUrl: string;
  compression: string | undefined;
  polls: number;
}

/**
 * Polls until the job completes; FAILED or CANCELLED, or not done within `exportTimeoutMs`, throws
 * (nothing is loaded). The wait doubles from `pollIntervalMs` up to `maxPollIntervalMs`.
 */
export async function awaitExport(
  client: V2Client,
  type: V2ExportType,
  exportId: string,
  options: { signal?: AbortSignal; now?: () => number } = {},
): Promise<FinishedExport> {
  const { pollIntervalMs, maxPollIntervalMs, exportTimeoutMs } = client.settings;
  const now = options.now ?? Date.now;
  const deadline = now() + exportTimeoutMs;
  const segments = pollSegments(type);
  let segment = 0;
  let wait = pollIntervalMs;
  let polls = 0;
  let lastStatus = 'unknown';
  for (;;) {
    const path = `/v2/insights/${segments[segment]}/exports/${encodeURIComponent(exportId)}`;
    let body: Json;
    try {
      const answer = await client.json('GET', path, options.signal ? { signal: options.signal } : {});
      body = isObject(answer.body) ? answer.body : {};
    } catch (error) {
      const notFound = error instanceof SeiError && error.code === SEI_ERROR_CODES.notFound;
      if (notFound && segment + 1 < segments.length) {
        segment++;
        continue;
      }
      throw error;
    }
    polls++;
    lastStatus = String(body.status ?? 'unknown');
    const state = exportState(body.status);
    if (state === 'completed') {
      const download = isObject(body.download) ? body.download : {};
      return {
        downloadUrl:
          textOf(body, 'downloadUrl', 'download_url') ??
          textOf(download, 'url') ??
          `/v2/insights/${segments[segment]}/exports/${encodeURIComponent(exportId)}/download`,
        compression: textOf(download, 'compression') ?? textOf(body, 'compression'),
        polls,
      };
    }
    if (state === 'failed' || state === 'cancelled') {
      const reason = textOf(body, 'error', 'message', 'reason');
      throw new V2Error(
        SYNC_ERROR_CODES.v2ExportFailed,
        `SEI 2.0 ${type} export ${exportId} ended ${lastStatus}${reason ? ` ("${reason}")` : ''}; nothing of it was loaded, the next run asks for a new one`,
        true,
      );
    }
    if (now() + wait > deadline)
      throw new V2Error(
        SYNC_ERROR_CODES.v2ExportTimeout,
        `SEI 2.0 ${type} export ${exportId} was still ${lastStatus} after ${polls} polls in ${Math.round(exportTimeoutMs / 1000)} s; nothing of it was loaded (raise SEI_V2_EXPORT_TIMEOUT_MS if SEI is slow)`,
        true,
      );
    await sleep(wait, options.signal);
    wait = Math.min(wait * 2, maxPollIntervalMs);
  }
}
