/**
 * Endpoints whose documented route and the server's code disagree (collection categories: the
 * OpenAPI reference documents `/v1/org/workspaces/units/list`, the server serves `/v1/org/groups/list`
 * and `v1/org/categories/list`). The remembered route is asked first, then the documented one, then
 * the others, each with a one-record probe; the first that does not answer 404 is used and remembered.
 * A forced route (SEI_CATEGORIES_PATH) is used as it is.
 */

import { SEI_ERROR_CODES } from '../errors.js';
import { costOfFailure, listPage } from '../extract/list-request.js';
import { SeiError } from '../extract/sei/errors.js';
import { readCheckpoint, rememberEndpointPath } from '../state/checkpoints.js';
import { addToStreamRun } from '../state/ledger.js';
import type { StreamDefinition } from '../streams/types.js';
import { type EngineContext, listSourceOf, type StreamRunContext } from './engine-context.js';

export async function resolveRoute(ctx: EngineContext, run: StreamRunContext): Promise<string> {
  const { stream } = run;
  const forced = ctx.settings.routes[stream.name];
  if (forced) return forced;
  if (!stream.alternativePaths || stream.alternativePaths.length === 0) return stream.path;
  const remembered = (await readCheckpoint(ctx.db, stream.name))?.endpointPath ?? undefined;
  const candidates = [...new Set([remembered, stream.path, ...stream.alternativePaths])].filter(
    (path): path is string => path !== undefined,
  );
  for (const [index, path] of candidates.entries()) {
    try {
      const source = listSourceOf(ctx, stream, path);
      const answer = await listPage(ctx.client, source, {
        page: 0,
        pageSize: 1,
        filter: source.baseFilter ?? {},
        signal: run.signal,
        routeProbe: true,
      });
      await addToStreamRun(ctx.db, run.runId, stream.name, answer.cost);
      if (path !== remembered) {
        await rememberEndpointPath(ctx.db, stream.name, path);
        run.log.info(
          { path, tried: candidates.slice(0, index) },
          `${stream.name} answers on ${path}; remembered for the next runs (SEI_CATEGORIES_PATH forces a route)`,
        );
      }
      return path;
    } catch (error) {
      await addToStreamRun(ctx.db, run.runId, stream.name, costOfFailure(error));
      const notFound = error instanceof SeiError && error.code === SEI_ERROR_CODES.notFound;
      if (!notFound || index === candidates.length - 1) throw error;
      run.log.info({ path }, `${stream.name}: ${path} answered 404; trying the next route`);
    }
  }
  return stream.path;
}

/** The streams with a configurable route, by the variable that forces it. */
export function routeOverrides(
  categoriesPath: string | undefined,
): Partial<Record<StreamDefinition['name'], string>> {
  return categoriesPath ? { collection_categories: categoriesPath } : {};
}
