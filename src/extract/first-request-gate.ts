/**
 * One request, not one per stream, when the key or the environment is wrong or the host is unreachable.
 *
 * A run starts every stream at once; with a wrong key (401/403), base URL (404) or a host that does not
 * answer at all (DNS failure, refused connection: after the first request's retries, as one
 * SEI_ERR_UNREACHABLE naming the host) each would send its own first requests and fail the same way. The gate lets the first request of the process go alone;
 * the others wait for its answer. If that answer says the credentials or the URL are wrong, every
 * waiting call fails with the same error without a request; otherwise they all proceed, and from the
 * first success on the gate stays open. Streams that start a little later (after their lock and
 * checkpoint reads) fail the same way for `holdMs` after a credential failure; after that the next
 * call probes again, so a key fixed later (a worker's next retry) is picked up.
 */

import { SEI_ERROR_CODES } from '../errors.js';
import type { ListCallOptions, ListClient, ListRequestBody, ListResult } from './sei/client.js';
import { isUnreachableError, SeiError, unreachableError, withAttempts } from './sei/errors.js';
import type { SeiRecord } from './sei/types.js';

/** Answers that say the key or the environment is wrong, the same for every stream. */
const CREDENTIAL_CODES: ReadonlySet<string> = new Set([
  SEI_ERROR_CODES.auth,
  SEI_ERROR_CODES.forbidden,
  SEI_ERROR_CODES.notFound,
]);

export function isCredentialError(error: unknown): boolean {
  return error instanceof SeiError && CREDENTIAL_CODES.has(error.code);
}

export interface FirstRequestGateOptions {
  /** The SEI host and port, named when it cannot be reached. @defaultValue 'the SEI host' */
  host?: string;
  /** How long a credential or unreachable-host failure answers later calls without a request. @defaultValue 60000 */
  holdMs?: number;
  /** @defaultValue Date.now */
  nowMs?: () => number;
}

export const FIRST_REQUEST_GATE_DEFAULTS = { holdMs: 60_000 } as const;

/** A gated client, and whether any list has answered through it (the base URL and key work). */
export type GatedClient = ListClient & { readonly answered: boolean };

export function gateFirstRequest(client: ListClient, options: FirstRequestGateOptions = {}): GatedClient {
  const holdMs = options.holdMs ?? FIRST_REQUEST_GATE_DEFAULTS.holdMs;
  const nowMs = options.nowMs ?? Date.now;
  const host = options.host ?? 'the SEI host';
  let open = false;
  /** The first list that answered 404 before any answered: one more 404 elsewhere makes it run-wide. */
  let notFoundPath: string | undefined;
  let lastFailure: { error: unknown; atMs: number } | undefined;
  /** Settles with the probe's run-wide error, or undefined when the others may go. */
  let probe: Promise<unknown> | undefined;
  return {
    get answered() {
      return open;
    },
    async list<R = SeiRecord>(
      path: string,
      body: ListRequestBody,
      options?: ListCallOptions,
    ): Promise<ListResult<R>> {
      while (!open && probe) {
        const failure = await probe;
        if (failure !== undefined) throw failure;
      }
      if (open) return client.list<R>(path, body, options);
      if (lastFailure && nowMs() - lastFailure.atMs < holdMs) throw lastFailure.error;
      let release!: (failure: unknown) => void;
      probe = new Promise((resolve) => {
        release = resolve;
      });
      try {
        const result = await client.list<R>(path, body, options);
        open = true;
        release(undefined);
        return result;
      } catch (caught) {
        const error = isUnreachableError(caught) ? unreachableError(caught, host) : caught;
        // A 404 is about that list only (a route probe's, or a list this SEI does not serve) until a
        // second list answers 404 too: then the base URL is what is wrong.
        const notFound = error instanceof SeiError && error.code === SEI_ERROR_CODES.notFound;
        const secondList =
          notFound && !options?.routeProbe && notFoundPath !== undefined && notFoundPath !== path;
        if (notFound && !options?.routeProbe) notFoundPath ??= path;
        const runWide = (isCredentialError(error) && (!notFound || secondList)) || isUnreachableError(error);
        // The others sent nothing: their copy says 0 attempts, so the ledger counts real requests only.
        const shared = runWide && error instanceof SeiError ? withAttempts(error, 0) : error;
        if (runWide) lastFailure = { error: shared, atMs: nowMs() };
        release(runWide ? shared : undefined);
        throw error;
      } finally {
        probe = undefined;
      }
    },
  };
}
