/** Building rows, and the words every check shares. */
import type { StreamDefinition } from '../../streams/types.js';
import type { ProbeCheck, ProbeResult, ProbeRow } from '../types.js';

export function row(
  check: ProbeCheck,
  stream: StreamDefinition | null,
  assumption: string,
  result: ProbeResult,
  evidence: string,
  action: string,
  /** Whether sei-sync copes without the user (by default: unless the assumption does not hold). */
  handled = result !== 'does_not_hold',
): ProbeRow {
  return { check, stream: stream?.name ?? null, assumption, result, evidence, action, handled };
}

/** What to send when the server does something sei-sync has no answer for. */
export function sendCapture(stream: StreamDefinition): string {
  return `send \`sei-sync capture --streams ${stream.name} --pages 3 --redact --out DIR\` with a bug report`;
}

export const NOT_ASKED = 'not asked: the first request of this stream failed (see its endpoint row)';
