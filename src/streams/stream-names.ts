/**
 * Stream names as users write them (`--streams`, SEI_STREAMS, job payloads): validated against
 * STREAM_NAMES without loading the stream modules, so the configuration can check them too.
 */
import { SYNC_ERROR_CODES } from '../errors.js';
import { ALL_STREAM_NAMES, type AnyStreamName, STREAM_NAMES, type StreamName } from './types.js';

const VALID = `valid: ${STREAM_NAMES.join(', ')}`;

/** A stream name nobody defined (from `--streams`, a config file or a job payload), or an empty list. */
export class UnknownStreamError extends Error {
  readonly code = SYNC_ERROR_CODES.unknownStream;
  constructor(readonly unknown: readonly string[]) {
    super(
      unknown.length === 0
        ? `no stream named (${VALID})`
        : `unknown stream${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')} (${VALID})`,
    );
    this.name = 'UnknownStreamError';
  }
}

export function isStreamName(name: string): name is StreamName {
  return (STREAM_NAMES as readonly string[]).includes(name);
}

/**
 * Parses `"jira_issues, org_users"` into stream names, in registry order and without duplicates.
 * Blank entries are ignored; an empty list is an error (a sync of nothing is a typo, not a request).
 */
export function parseStreamList(list: string): StreamName[] {
  const requested = list
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const unknown = requested.filter((name) => !isStreamName(name));
  if (unknown.length > 0) throw new UnknownStreamError([...new Set(unknown)]);
  if (requested.length === 0) throw new UnknownStreamError([]);
  return STREAM_NAMES.filter((name) => requested.includes(name));
}

/** Like `parseStreamList`, for commands that also run the SEI 2.0 streams (`sync`, SEI_STREAMS, jobs). */
export function parseAnyStreamList(list: string): AnyStreamName[] {
  const requested = list
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const valid = ALL_STREAM_NAMES as readonly string[];
  const unknown = requested.filter((name) => !valid.includes(name));
  if (unknown.length > 0 || requested.length === 0) {
    const error = new UnknownStreamError([...new Set(unknown)]);
    error.message = error.message.replace(VALID, `valid: ${ALL_STREAM_NAMES.join(', ')}`);
    throw error;
  }
  return ALL_STREAM_NAMES.filter((name) => requested.includes(name));
}
