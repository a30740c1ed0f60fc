/**
 * What a 2.0 stream run needs from the engine and gives back, typed here so that src/v2 does not
 * import the engine that composes it (src/sync/walkers/index.ts wires the walker in one line).
 */
import type { Kysely } from 'kysely';
import type { Logger } from '../observability/logger.js';
import type { Database } from '../state/schema.js';
import type { V2Stream } from '../streams/types.js';
import type { V2Runtime } from './runtime.js';

export interface V2EngineContext {
  readonly db: Kysely<Database>;
  readonly v2: V2Runtime | undefined;
  readonly now: () => Date;
}

export interface V2RunContext {
  runId: string;
  stream: V2Stream;
  log: Logger;
  signal: AbortSignal;
  onPage?: (page: { records: number }) => void;
}

/** The run's summary, shaped as a list read's (src/sync/list-sync.ts `ListSyncResult`). */
export interface V2StreamResult {
  deleted: number;
  deletionsDecided: boolean;
  reads: number;
  note?: string;
}
