/** The verify result of a stream whose verify failed (or could not take the stream's lock). */
import { SYNC_ERROR_CODES } from '../errors.js';
import type { StreamDefinition } from '../streams/types.js';
import type { StreamRunResult } from '../sync/types.js';
import type { StreamVerifyResult } from './types.js';

export function failedVerify(stream: StreamDefinition, run: StreamRunResult): StreamVerifyResult {
  const error =
    run.status === 'failed'
      ? { code: run.error.code, message: run.error.message }
      : { code: SYNC_ERROR_CODES.internal, message: `${stream.name}: the verify returned nothing` };
  return {
    stream: stream.name,
    mode: stream.mode,
    status: 'failed',
    method: 'total_count',
    field: stream.mode === 'incremental' ? stream.cursor.column : null,
    range: null,
    buckets: [],
    withoutValue: null,
    requests: run.status === 'not_run' ? 0 : run.counts.requests,
    heal: null,
    notes: [],
    error,
  };
}
