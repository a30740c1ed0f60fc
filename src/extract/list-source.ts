/**
 * A stream's declaration as the request its walks send: route, sort, page size parameter, filters,
 * the configured integrations and `force_source`, and how a record's key is read.
 */
import type { SyncScope } from '../config.js';
import { recordKeyOfValue } from '../normalize/record.js';
import type { StreamDefinition } from '../streams/types.js';
import type { ListSource } from './list-request.js';

/** How a walk asks the stream's endpoint for pages (on `path`, the route that answered). */
export function listSourceOf(
  ctx: { settings: { forceDatabaseSource: boolean; scope?: Pick<SyncScope, 'integrationIds'> } },
  stream: StreamDefinition,
  path = stream.path,
): ListSource {
  const integrationIds = stream.integrationColumn ? ctx.settings.scope?.integrationIds : undefined;
  const baseFilter = integrationIds
    ? { ...(stream.baseFilter ?? {}), integration_ids: [...integrationIds] }
    : stream.baseFilter;
  return {
    path,
    sort: stream.sort,
    pageSizeParam: stream.pageSizeParam,
    ...(stream.maxPageSize !== undefined && { maxPageSize: stream.maxPageSize }),
    ...(baseFilter && { baseFilter }),
    ...(stream.extraBody && { extraBody: stream.extraBody }),
    ...(stream.forceDatabaseSource && ctx.settings.forceDatabaseSource && { query: { force_source: 'db' } }),
    ...(stream.fallback && { finalStatuses: stream.fallback.statuses }),
    // Hostile answers may hold nulls or arrays among the records: no key, never a throw.
    recordKey: (record) => recordKeyOfValue(stream, record),
  };
}

/** The page size asked of `stream`: the configured one, capped by the endpoint. */
export function pageSizeOf(ctx: { settings: { pageSize: number } }, stream: StreamDefinition): number {
  return Math.min(ctx.settings.pageSize, stream.maxPageSize ?? Number.POSITIVE_INFINITY);
}
