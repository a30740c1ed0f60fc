/**
 * Requests one 2.0 stream run sent: the streams share one client (and its budget) and run at once, so
 * each run counts its own through the async context it runs in.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestMeter {
  requests: number;
}

export const requestMeter = new AsyncLocalStorage<RequestMeter>();

/** Counts one request sent in the current run (if any). */
export function countRequest(): void {
  const meter = requestMeter.getStore();
  if (meter) meter.requests++;
}
