/**
 * The summary table `sync` and `demo` print (src/commands/sync-summary.ts), read back by tests that run
 * the real CLI.
 */
import { STREAM_NAMES } from '../../src/streams/types.js';

/** The summary table's status column, per stream. */
export function streamStatuses(output: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const stream of STREAM_NAMES) {
    const match = new RegExp(`^${stream}\\s+(\\S+)`, 'm').exec(output);
    if (match) found[stream] = match[1]!;
  }
  return found;
}

/** `streamStatuses` of a run in which every stream succeeded. */
export const ALL_SUCCEEDED: Record<string, string> = Object.fromEntries(
  STREAM_NAMES.map((stream) => [stream, 'succeeded']),
);
