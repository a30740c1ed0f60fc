/**
 * One request, not one per stream, when the key or the environment is wrong.
 *
 * A run starts every stream at once; with a wrong key (401/403) or base URL (404) each would send its
 * own first request and fail the same way. The gate lets the first request of the process go alone;
 * the others wait for its answer. If that answer says the credentials or the URL are wrong, every
 * waiting call fails with the same error without a request; otherwise they all proceed, and from the
 * first success on the gate stays open. Streams that start a little later (after their lock and
 * checkpoint reads) fail the same way for `holdMs` after a credential failure; after that the next
 * call probes again, so a key fixed later (a worker's next retry) is picked up.
 */
import type { ListCallOptions, ListClient, ListRequestBody, ListResult } from '../sei/client.js';
import { SEI_ERROR_CODES, SeiError } from '../sei/errors.js';
import type { SeiRecord } from '../sei/types.js';

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
  /** How long a credential failure answers later calls without a request. @defaultValue 60000 */
  holdMs?: number;
  /** @defaultValue Date.now */
  nowMs?: () => number;
}

export const FIRST_REQUEST_GATE_DEFAULTS = { holdMs: 60_000 } as const;

export function gateFirstRequest(client: ListClient, options: FirstRequestGateOptions = {}): ListClient {
  const holdMs = options.holdMs ?? FIRST_REQUEST_GATE_DEFAULTS.holdMs;
  const nowMs = options.nowMs ?? Date.now;
  let open = false;
  let lastFailure: { error: unknown; atMs: number } | undefined;
  /** Settles with the probe's credential error, or undefined when the others may go. */
  let probe: Promise<unknown> | undefined;
  return {
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
      } catch (error) {
        // A route probe's 404 is about that route only (collection categories try several).
        const credential =
          isCredentialError(error) &&
          !(options?.routeProbe && error instanceof SeiError && error.code === SEI_ERROR_CODES.notFound);
        if (credential) lastFailure = { error, atMs: nowMs() };
        release(credential ? error : undefined);
        throw error;
      } finally {
        probe = undefined;
      }
    },
  };
}
