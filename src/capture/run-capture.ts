/**
 * `sei-sync capture`: runs the sync's own walks (same client, budget, filters, sorts, paging: the
 * sync engine itself) and records every exchange, up to `--pages` list requests per stream.
 *
 * The walks keep checkpoints and a ledger as they go, so they run into a throwaway embedded database
 * in a temporary directory, deleted at the end: the configured DATABASE_URL is never opened. The
 * engine's clock is frozen at the capture's start (the manifest's `clock`), so a sync replayed with
 * SEI_SYNC_CLOCK at that instant sends the very same requests (docs/capture.md#replay).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { createSeiClient } from '../extract/sei/client.js';
import { TokenBucketBudget } from '../extract/sei/token-bucket.js';
import { SLICING_DEFAULTS } from '../extract/slicing.js';
import type { Logger } from '../observability/logger.js';
import { migrateToLatest } from '../state/migrate.js';
import { openWarehouse, type Warehouse } from '../state/open.js';
import { STREAMS } from '../streams/registry.js';
import type { StreamName } from '../streams/types.js';
import { createSyncEngine } from '../sync/engine.js';
import { runSync } from '../sync/run-sync.js';
import {
  CAPTURE_FORMAT,
  CAPTURE_FORMAT_VERSION,
  type CapturedStream,
  type CaptureManifest,
  MANIFEST_FILE,
  prepareCaptureDir,
  writeJsonFile,
} from './format.js';
import { CaptureRecorder } from './recorder.js';
import { Redactor } from './redact.js';
import { seiSyncVersion } from './version.js';

export const CAPTURE_DEFAULTS = {
  /** List requests captured per stream: enough to show a walk's shape, small enough to send. */
  pages: 5,
} as const;

export interface CaptureOptions {
  config: Config;
  streams: readonly StreamName[];
  /** List requests recorded per stream (at least 1). */
  pages: number;
  /** The capture directory: new or empty. */
  out: string;
  redact: boolean;
  logger: Logger;
  signal?: AbortSignal;
  /** The instant the walks take as now. @defaultValue the capture's start, in whole seconds */
  clock?: Date;
  /** Walk into this (migrated) warehouse instead of a throwaway embedded one (tests). */
  warehouse?: Warehouse;
  /**
   * Plan the walks as a sync that steals work does (fewer counts, src/extract/slicing.ts), still
   * walking without stealing: a replay that steals then asks the same plan (the benches).
   */
  planForStealing?: boolean;
}

/** Stream by request path (each route of each stream). */
export function streamOfPath(path: string): StreamName | undefined {
  for (const stream of Object.values(STREAMS)) {
    if (stream.path === path || stream.alternativePaths?.includes(path)) return stream.name;
  }
  return undefined;
}

export async function runCapture(options: CaptureOptions): Promise<CaptureManifest> {
  const { config, logger } = options;
  if (!Number.isInteger(options.pages) || options.pages < 1)
    throw new Error('--pages must be a whole number of at least 1');
  prepareCaptureDir(options.out);
  const capturedAt = new Date();
  const clock = options.clock ?? new Date(Math.floor(capturedAt.getTime() / 1000) * 1000);
  const recorder = new CaptureRecorder({
    dir: options.out,
    pagesPerStream: options.pages,
    streamOfPath,
    secrets: [config.sei.apiKey],
    ...(options.redact && { redactor: new Redactor() }),
  });
  const scratch = options.warehouse ? undefined : mkdtempSync(join(tmpdir(), 'sei-sync-capture-'));
  const budget = new TokenBucketBudget({ requestsPerMinute: config.sei.requestsPerMinute });
  const client = createSeiClient(config.sei, budget, logger, { onExchange: recorder.onExchange });
  let warehouse: Warehouse | undefined = options.warehouse;
  try {
    if (warehouse === undefined) {
      warehouse = await openWarehouse({ dataDir: scratch as string, command: 'sei-sync capture' });
      await migrateToLatest(warehouse);
    }
    const engine = createSyncEngine({
      warehouse,
      client: recorder.limit(client),
      // Requests that do not depend on timing: a replay of the capture asks the same ones.
      config: { ...config, workStealing: false },
      ...(options.planForStealing && { planRounds: SLICING_DEFAULTS.roundsWithStealing }),
      logger,
      now: () => clock,
    });
    try {
      const run = await runSync(engine, {
        streams: options.streams,
        fullRefresh: false,
        trigger: 'cli',
        ...(options.signal && { signal: options.signal }),
      });
      const streams: CapturedStream[] = run.results.map((result) => {
        const tally = recorder.tally(result.stream);
        const reason =
          result.status === 'failed'
            ? result.error.message
            : result.status === 'not_run'
              ? result.reason
              : undefined;
        return {
          stream: result.stream,
          pages: tally.pages,
          exchanges: tally.exchanges,
          complete: result.status === 'succeeded' && !tally.limitReached,
          status: tally.limitReached ? 'page limit reached' : result.status,
          ...(reason !== undefined && !tally.limitReached && { reason }),
        };
      });
      const base = new URL(config.sei.baseUrl);
      const manifest: CaptureManifest = {
        format: CAPTURE_FORMAT,
        formatVersion: CAPTURE_FORMAT_VERSION,
        seiSyncVersion: seiSyncVersion(),
        capturedAt: capturedAt.toISOString(),
        clock: clock.toISOString(),
        source: { host: base.host, pathPrefix: base.pathname.replace(/\/+$/, '') },
        pagesPerStream: options.pages,
        redacted: options.redact,
        streams,
        exchanges: recorder.exchanges,
      };
      writeJsonFile(join(options.out, MANIFEST_FILE), manifest);
      return manifest;
    } finally {
      await engine.close();
    }
  } finally {
    await client.close();
    await budget.close?.();
    if (!options.warehouse) await warehouse?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}
