import { createHash, randomUUID } from 'node:crypto';

/** A fresh run id (`sei_sync.runs.id` is a uuid). */
export function newRunId(): string {
  return randomUUID();
}

/**
 * The run id of a scheduled fire, derived from its job id: a retried `sync-run-start` job gets the same
 * run instead of a second one. Formatted as a UUID (version 8, "custom").
 */
export function runIdFromJobId(prefix: string, jobId: string): string {
  const hex = createHash('sha256').update(`${prefix}\0${jobId}`).digest('hex');
  const variant = ((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Job ids are deterministic so that adding the same run or stream twice is a no-op. */
export const jobIds = {
  start: (runId: string) => `start-${runId}`,
  run: (runId: string) => `run-${runId}`,
  stream: (runId: string, stream: string) => `stream-${runId}-${stream}`,
  /** Per read of the walk and per attempt of the stream job: a retried stream job walks its failed slices anew. */
  slice: (walkId: string, pass: number, sliceNo: number, attempt: number) =>
    `slice-${walkId}-${pass}-${sliceNo}-${attempt}`,
} as const;

/** The stream named in a child key (`<prefix>:<queue>:stream-<runId>-<stream>`). */
export function streamFromChildKey(key: string, runId: string): string | undefined {
  const marker = `stream-${runId}-`;
  const at = key.lastIndexOf(marker);
  return at === -1 ? undefined : key.slice(at + marker.length);
}
