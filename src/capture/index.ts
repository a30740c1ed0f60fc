/**
 * Capture: records the requests and answers of the sync's own walks against an SEI (`sei-sync
 * capture`), for a bug report; `sei-sync simulator --replay` serves them (src/simulator/replay/).
 */
export type { CapturedExchange, CapturedStream, CaptureManifest } from './format.js';
export { CAPTURE_DEFAULTS, type CaptureOptions, runCapture, streamOfPath } from './run-capture.js';
