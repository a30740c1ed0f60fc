/**
 * One request, not one per stream, when the key or the environment is wrong.
 *
 * A run starts every stream at once; with a wrong key (401/403) or base URL (404) each would send its
 * own first request and fail the same way. The gate lets the first request of the process go alone;
 * the others wait for its answer. If that answer says the credentials or the URL are wrong, every
 * waiting call fails with the same error without a request; otherwise they all proceed, and from the
 * first success on the gate stays open. A failed probe leaves the gate closed for the next call (a new
 * probe), so a key fixed later is picked up.
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

export function gateFirstRequest(client: ListClient): ListClient {
  let open = false;
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
        release(isCredentialError(error) ? error : undefined);
        throw error;
      } finally {
        probe = undefined;
      }
    },
  };
}
