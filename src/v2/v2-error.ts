/** A failure of a 2.0 stream with its stable code (src/errors.ts) and whether a later run may succeed. */
import { SYNC_ERROR_CODES } from '../errors.js';

type V2Code =
  | typeof SYNC_ERROR_CODES.v2ExportFailed
  | typeof SYNC_ERROR_CODES.v2ExportTimeout
  | typeof SYNC_ERROR_CODES.v2NotConfigured
  | typeof SYNC_ERROR_CODES.v2BadExport;

export class V2Error extends Error {
  constructor(
    readonly code: V2Code,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'V2Error';
  }
}

export const notConfigured = () =>
  new V2Error(
    SYNC_ERROR_CODES.v2NotConfigured,
    'SEI 2.0 is not configured: set SEI_V2_ACCOUNT, SEI_V2_ORG and SEI_V2_PROJECT (docs/sei-v2.md), or leave the v2_* streams out of SEI_STREAMS',
    false,
  );
