/**
 * Lists this SEI does not serve (an older server, a module the tenant lacks). A list that answers 404
 * while other lists answer is not a failed run: its stream is marked unavailable on this SEI, noted in
 * the run's results, and remembered (`sei_sync.unavailable_endpoints`) so that it is asked again once
 * a day, not on every run. When no list answers, the 404 is about the base URL and keeps its message
 * (check SEI_ENV/SEI_BASE_URL). A stream the user named (`--streams`) still fails, saying what to do.
 */

import { SEI_ERROR_CODES } from '../errors.js';
import { costOfFailure, listPage } from '../extract/list-request.js';
import { listSourceOf } from '../extract/list-source.js';
import { SeiError } from '../extract/sei/errors.js';
import { addToStreamRun } from '../state/ledger.js';
import type { StreamRunError } from '../state/run-types.js';
import { isListStream } from '../streams/registry.js';
import type { AnyStreamDefinition, StreamDefinition } from '../streams/types.js';
import type { EngineContext, StreamRunContext } from './engine-context.js';

/** How long a list found missing is left alone before it is asked again. */
export const UNAVAILABLE_RECHECK_HOURS = 24;

/** The note of a stream remembered unavailable and not due for a check, else undefined. */
export async function rememberedUnavailable(ctx: EngineContext, stream: string): Promise<string | undefined> {
  const row = await ctx.db
    .selectFrom('sei_sync.unavailable_endpoints')
    .select(['message', 'checked_at'])
    .where('stream', '=', stream)
    .executeTakeFirst();
  if (!row) return undefined;
  const dueAt = row.checked_at.getTime() + UNAVAILABLE_RECHECK_HOURS * 3_600_000;
  if (ctx.now().getTime() >= dueAt) return undefined;
  return `${row.message}; not asked again before ${new Date(dueAt).toISOString()}`;
}

/** The stream's list answered: it is served (again). */
export async function forgetUnavailable(ctx: EngineContext, stream: string): Promise<void> {
  await ctx.db.deleteFrom('sei_sync.unavailable_endpoints').where('stream', '=', stream).execute();
}

export type UnavailableVerdict =
  | { kind: 'unavailable'; note: string }
  /** The user named the stream: a failure that says what to do. */
  | { kind: 'named'; error: StreamRunError }
  | undefined;

/**
 * Whether `error` (a stream run's failure) says this SEI does not serve the stream's list: a 404 while
 * another list answers (one already did in this process, or a one-record probe of another does).
 */
export async function unavailableVerdict(
  ctx: EngineContext,
  run: StreamRunContext<AnyStreamDefinition>,
  error: unknown,
  named: boolean,
): Promise<UnavailableVerdict> {
  // Only an SEI 1.0 list is one of several lists a base URL serves.
  const { stream } = run;
  if (!isListStream(stream)) return undefined;
  if (!(error instanceof SeiError && error.code === SEI_ERROR_CODES.notFound)) return undefined;
  if (!(ctx.listsAnswered() || (await anotherListAnswers(ctx, { ...run, stream })))) return undefined;
  const path = error.path ?? stream.path;
  const message = `${path} answered 404 while other lists answer: this SEI does not serve ${stream.name}`;
  if (named)
    return {
      kind: 'named',
      error: {
        code: SEI_ERROR_CODES.notFound,
        message: `${message}; leave ${run.stream.name} out of --streams (or SEI_STREAMS), or ask Harness whether your SEI version serves it`,
        retryable: false,
      },
    };
  const now = ctx.now();
  await ctx.db
    .insertInto('sei_sync.unavailable_endpoints')
    .values({ stream: run.stream.name, path, message, checked_at: now })
    .onConflict((oc) => oc.column('stream').doUpdateSet({ path, message, checked_at: now }))
    .execute();
  run.log.warn({ path }, `${message}; marked unavailable, asked again in ${UNAVAILABLE_RECHECK_HOURS} h`);
  return { kind: 'unavailable', note: `${message}; marked unavailable, asked again daily` };
}

/** One record of another stream's list: does this base URL serve lists at all? */
async function anotherListAnswers(ctx: EngineContext, run: StreamRunContext): Promise<boolean> {
  // The integrations list first: every tenant has one, and it is small.
  const others = Object.values(ctx.streams).filter(
    (stream): stream is StreamDefinition => isListStream(stream) && stream.name !== run.stream.name,
  );
  const other: StreamDefinition | undefined =
    others.find((stream) => stream.name === 'integrations') ?? others[0];
  if (!other) return false;
  const source = listSourceOf(ctx, other);
  try {
    const answer = await listPage(ctx.client, source, {
      page: 0,
      pageSize: 1,
      filter: source.baseFilter ?? {},
      signal: run.signal,
    });
    await addToStreamRun(ctx.db, run.runId, run.stream.name, answer.cost);
    return true;
  } catch (error) {
    await addToStreamRun(ctx.db, run.runId, run.stream.name, costOfFailure(error)).catch(() => {});
    return false;
  }
}
