/**
 * The capture format (docs/capture.md): a directory with `manifest.json` and one JSON file per
 * exchange under `exchanges/`, numbered in the order the requests were sent. Written by
 * `sei-sync capture`, read by `sei-sync simulator --replay`.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CAPTURE_FORMAT = 'sei-sync-capture';
export const CAPTURE_FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
export const EXCHANGES_DIR = 'exchanges';

/** One request the sync sent and the answer it got. */
export interface CapturedExchange {
  /** Order sent, from 1 (retries are exchanges of their own). */
  seq: number;
  /** The stream whose walk sent it. */
  stream: string;
  request: {
    method: 'POST';
    /** The endpoint path, without the base URL's prefix. */
    path: string;
    query: Record<string, string>;
    /** The JSON body as sent. */
    body: unknown;
  };
  response: {
    status: number;
    /** content-type and retry-after, when the server sent them. */
    headers: Record<string, string>;
    /** The body, parsed, when it is JSON; otherwise `bodyText` holds it. */
    body?: unknown;
    bodyText?: string;
  };
}

export interface CapturedStream {
  stream: string;
  /** List requests the walk made (pages, counts, probes), retries not counted. */
  pages: number;
  /** Exchanges written (retries included). */
  exchanges: number;
  /** True when the walk ended on its own: everything it read is in the capture. */
  complete: boolean;
  /** How the capture's sync of the stream ended (`succeeded`, `failed`, ...) and why, when not. */
  status: string;
  reason?: string;
}

export interface CaptureManifest {
  format: typeof CAPTURE_FORMAT;
  formatVersion: typeof CAPTURE_FORMAT_VERSION;
  seiSyncVersion: string;
  /** When the capture started (ISO). */
  capturedAt: string;
  /** The instant the walks took as "now" (ISO, whole seconds): replay a sync with SEI_SYNC_CLOCK set to it. */
  clock: string;
  /** The SEI the capture read: host and path prefix of the base URL (never credentials or a query). */
  source: { host: string; pathPrefix: string };
  /** `--pages`: list requests captured per stream at most. */
  pagesPerStream: number;
  redacted: boolean;
  streams: CapturedStream[];
  exchanges: number;
}

export function exchangeFileName(exchange: Pick<CapturedExchange, 'seq' | 'stream'>): string {
  return `${String(exchange.seq).padStart(6, '0')}-${exchange.stream}.json`;
}

export function prepareCaptureDir(dir: string): void {
  mkdirSync(join(dir, EXCHANGES_DIR), { recursive: true });
  const existing = readdirSync(join(dir, EXCHANGES_DIR));
  if (existing.length > 0 || readdirSync(dir).includes(MANIFEST_FILE))
    throw new Error(`${dir} already holds a capture; give --out an empty or new directory`);
}

export function writeJsonFile(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

export interface LoadedCapture {
  manifest: CaptureManifest;
  exchanges: CapturedExchange[];
}

/** Reads a capture directory; one clear line when it is not one. */
export function readCapture(dir: string): LoadedCapture {
  let manifest: CaptureManifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as CaptureManifest;
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unreadable';
    throw new Error(
      `${join(dir, MANIFEST_FILE)} cannot be read (${code}); give --replay the directory \`sei-sync capture --out\` wrote`,
    );
  }
  if (manifest.format !== CAPTURE_FORMAT || manifest.formatVersion !== CAPTURE_FORMAT_VERSION)
    throw new Error(
      `${dir} is not a ${CAPTURE_FORMAT} version ${CAPTURE_FORMAT_VERSION} directory; capture again with this sei-sync`,
    );
  const files = readdirSync(join(dir, EXCHANGES_DIR))
    .filter((name) => name.endsWith('.json'))
    .sort();
  const exchanges = files.map(
    (name) => JSON.parse(readFileSync(join(dir, EXCHANGES_DIR, name), 'utf8')) as CapturedExchange,
  );
  return { manifest, exchanges };
}
