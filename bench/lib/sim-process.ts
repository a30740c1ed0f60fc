/** Forks ./sim-child.ts and gives a typed handle over IPC. */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FaultOptions, RequestLogEntry, SimulatorOptions } from '../../src/simulator/types.js';
import type { StreamName } from '../../src/streams/types.js';

export interface SimulatorProcess {
  url: string;
  adminKey: string;
  pid: number;
  requestCount(): Promise<number>;
  requestLog(): Promise<RequestLogEntry[]>;
  pagesServed(): Promise<Record<string, { ok: number; failed: number; pages: number[] }>>;
  clearRequestLog(): Promise<void>;
  setFaults(faults: Partial<FaultOptions>): Promise<void>;
  mutateDuringWalk(stream: StreamName, page: number, mutation: object): Promise<void>;
  mutate(stream: StreamName, mutation: object): Promise<unknown>;
  count(stream: StreamName): Promise<number>;
  expectedHashes(stream: StreamName): Promise<Map<string, string>>;
  busyMs(): Promise<number>;
  close(): Promise<void>;
}

/** How long a simulator may take to start (generating nothing up front, it is quick). */
export const SIMULATOR_START_TIMEOUT_MS = 60_000;
/** How long one IPC call may take (expected hashes of 1M records are the slowest). */
export const SIMULATOR_CALL_TIMEOUT_MS = 300_000;

const CHILD = fileURLToPath(new URL('./sim-child.ts', import.meta.url));

export async function startSimulatorProcess(options: SimulatorOptions): Promise<SimulatorProcess> {
  const child: ChildProcess = fork(CHILD, [JSON.stringify(options)], {
    execArgv: ['--import', 'tsx', '--max-old-space-size=4096'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const ready = new Promise<{ url: string; adminKey: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('simulator did not start')), SIMULATOR_START_TIMEOUT_MS);
    child.on(
      'message',
      (message: {
        ready?: boolean;
        url: string;
        adminKey: string;
        id?: number;
        result?: unknown;
        error?: string;
      }) => {
        if (message.ready) {
          clearTimeout(timer);
          resolve(message);
          return;
        }
        const waiter = pending.get(message.id ?? -1);
        if (!waiter) return;
        pending.delete(message.id!);
        if (message.error !== undefined) waiter.reject(new Error(message.error));
        else waiter.resolve(message.result);
      },
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      const error = new Error(`simulator process exited (${code})`);
      reject(error);
      for (const waiter of pending.values()) waiter.reject(error);
      pending.clear();
    });
  });
  const { url, adminKey } = await ready;
  const call = <T>(method: string, ...args: unknown[]): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`simulator call ${method} timed out`));
      }, SIMULATOR_CALL_TIMEOUT_MS);
      pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      child.send({ id, method, args });
    });
  return {
    url,
    adminKey,
    pid: child.pid!,
    requestCount: () => call('requestCount'),
    requestLog: () => call('requestLog'),
    pagesServed: () => call('pagesServed'),
    clearRequestLog: () => call('clearRequestLog'),
    setFaults: (faults) => call('setFaults', faults),
    mutateDuringWalk: (stream, page, mutation) => call('mutateDuringWalk', stream, page, mutation),
    mutate: (stream, mutation) => call('mutate', stream, mutation),
    count: (stream) => call('count', stream),
    expectedHashes: async (stream) => new Map(await call<[string, string][]>('expectedHashes', stream)),
    busyMs: () => call('busyMs'),
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
