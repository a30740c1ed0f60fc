/**
 * Endpoints whose documented route and the server's code disagree (collection categories: the
 * OpenAPI reference documents `/v1/org/workspaces/units/list`, the server serves `/v1/org/groups/list`
 * and `v1/org/categories/list`). The remembered route is asked first, then the documented one, then
 * the others, each with a one-record probe; the first that does not answer 404 is used and remembered.
 * A forced route (SEI_CATEGORIES_PATH) is used as it is.
 */

import { SEI_ERROR_CODES } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { StreamDefinition, StreamName } from '../streams/types.js';
import { costOfFailure, type ListSource, listPage, type RequestCost } from './list-request.js';
import type { ListClient } from './sei/client.js';
import { SeiError } from './sei/errors.js';

/** Where the route that answered is kept between runs, and where the probes' requests are booked. */
export interface RouteMemory {
  recall(): Promise<string | undefined>;
  remember(path: string): Promise<void>;
  book(cost: RequestCost): Promise<void>;
}

export interface RouteRequest {
  /** The route forced by the configuration, if any. */
  forced: string | undefined;
  /** The request of the stream's walk, on `path`. */
  sourceOf(path: string): ListSource;
  memory: RouteMemory;
  signal: AbortSignal;
  log: Logger;
}

/** The route `stream` answers on. */
export async function resolveRoute(
  client: ListClient,
  stream: StreamDefinition,
  request: RouteRequest,
): Promise<string> {
  const { forced, memory, log } = request;
  if (forced) return forced;
  if (!stream.alternativePaths || stream.alternativePaths.length === 0) return stream.path;
  const remembered = await memory.recall();
  const candidates = [...new Set([remembered, stream.path, ...stream.alternativePaths])].filter(
    (path): path is string => path !== undefined,
  );
  for (const [index, path] of candidates.entries()) {
    try {
      const source = request.sourceOf(path);
      const answer = await listPage(client, source, {
        page: 0,
        pageSize: 1,
        filter: source.baseFilter ?? {},
        signal: request.signal,
        routeProbe: true,
      });
      await memory.book(answer.cost);
      if (path !== remembered) {
        await memory.remember(path);
        log.info(
          { path, tried: candidates.slice(0, index) },
          `${stream.name} answers on ${path}; remembered for the next runs (SEI_CATEGORIES_PATH forces a route)`,
        );
      }
      return path;
    } catch (error) {
      await memory.book(costOfFailure(error));
      const notFound = error instanceof SeiError && error.code === SEI_ERROR_CODES.notFound;
      if (!notFound || index === candidates.length - 1) throw error;
      log.info({ path }, `${stream.name}: ${path} answered 404; trying the next route`);
    }
  }
  return stream.path;
}

/** The streams with a configurable route, by the variable that forces it. */
export function routeOverrides(categoriesPath: string | undefined): Partial<Record<StreamName, string>> {
  return categoriesPath ? { collection_categories: categoriesPath } : {};
}
