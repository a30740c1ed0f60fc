/**
 * The worker's one small HTTP server for operations:
 *   GET /livez         200 while the process runs (the container HEALTHCHECK);
 *   GET /readyz        200 when every readiness check passes (Redis, PostgreSQL), else 503 naming them;
 *   GET /metrics       Prometheus text (src/observability/metrics.ts);
 *   /admin/queues      Bull Board, only when enabled. Without basic-auth credentials it answers loopback
 *                      clients only (403 to anyone else), so turning it on never exposes it by accident.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import express, { type RequestHandler } from 'express';
import type { Secret } from '../secret.js';
import { type Logger, silentLogger } from './logger.js';
import type { SyncMetrics } from './metrics.js';
import { OPS_SERVER_DEFAULTS } from './ops-defaults.js';

export interface ReadinessCheck {
  /** Shown in the /readyz answer, e.g. `redis`. */
  name: string;
  /** Resolves when the dependency answers; rejects (or exceeds `checkTimeoutMs`) otherwise. */
  check(): Promise<void>;
}

export interface BullBoardOptions {
  queues: readonly Queue[];
  /** Basic-auth credentials; without them only loopback clients are served. */
  auth: { user: string; password: Secret } | undefined;
}

export interface OpsServerOptions {
  /** @defaultValue '0.0.0.0' */
  host?: string;
  /** 0 picks a free port (tests). @defaultValue 9464 */
  port?: number;
  metrics: SyncMetrics;
  readiness?: readonly ReadinessCheck[];
  /** Bull Board at /admin/queues; undefined keeps it off (the default). */
  bullBoard?: BullBoardOptions;
  /** Longest wait for one readiness check. @defaultValue 2000 */
  checkTimeoutMs?: number;
  logger?: Logger;
}

export { OPS_SERVER_DEFAULTS };
export const BULL_BOARD_PATH = '/admin/queues';

export interface OpsServer {
  /** Base URL, e.g. `http://127.0.0.1:9464`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

function isLoopback(address: string | undefined): boolean {
  return (
    address === '::1' ||
    address === '127.0.0.1' ||
    address?.startsWith('::ffff:127.') === true ||
    address?.startsWith('127.') === true
  );
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function guardBullBoard(auth: BullBoardOptions['auth']): RequestHandler {
  return (req, res, next) => {
    if (auth === undefined) {
      if (isLoopback(req.socket.remoteAddress)) return next();
      res
        .status(403)
        .type('text/plain')
        .send('Bull Board answers localhost only; set BULL_BOARD_USER and BULL_BOARD_PASSWORD\n');
      return;
    }
    const header = req.headers.authorization ?? '';
    const [scheme, encoded] = header.split(' ');
    if (scheme === 'Basic' && encoded) {
      const decoded = Buffer.from(encoded, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const user = decoded.slice(0, colon);
      const password = decoded.slice(colon + 1);
      // Both compared, always, so the timing does not tell which one was wrong.
      const userOk = sameText(user, auth.user);
      const passwordOk = sameText(password, auth.password.reveal());
      if (colon >= 0 && userOk && passwordOk) return next();
    }
    res
      .status(401)
      .set('WWW-Authenticate', 'Basic realm="sei-sync", charset="UTF-8"')
      .type('text/plain')
      .send('authentication required\n');
  };
}

async function withTimeout(check: ReadinessCheck, timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check.check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message.split('\n')[0] : String(error);
  } finally {
    clearTimeout(timer);
  }
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const logger = options.logger ?? silentLogger;
  const checkTimeoutMs = options.checkTimeoutMs ?? OPS_SERVER_DEFAULTS.checkTimeoutMs;
  const app = express();
  app.disable('x-powered-by');

  app.get('/livez', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });
  app.get('/readyz', async (_req, res) => {
    const checks = options.readiness ?? [];
    const failures = await Promise.all(
      checks.map(async (c) => ({ name: c.name, error: await withTimeout(c, checkTimeoutMs) })),
    );
    const failed = failures.filter((f) => f.error !== undefined);
    const body = Object.fromEntries(failures.map((f) => [f.name, f.error ?? 'ok']));
    res.status(failed.length === 0 ? 200 : 503).json(body);
  });
  app.get('/metrics', async (_req, res) => {
    try {
      const text = await options.metrics.scrape();
      res.type(options.metrics.registry.contentType).send(text);
    } catch (error) {
      logger.warn({ err: error }, 'metrics collection failed');
      res.status(500).type('text/plain').send('metrics collection failed\n');
    }
  });

  if (options.bullBoard) {
    const serverAdapter = new ExpressAdapter();
    serverAdapter.setBasePath(BULL_BOARD_PATH);
    createBullBoard({
      queues: options.bullBoard.queues.map((q) => new BullMQAdapter(q, { readOnlyMode: false })),
      // @bull-board/express 9.10.1 nests its own @bull-board/api 9.10.1: same shape, separate private
      // declarations, so the types disagree although the objects fit.
      serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
    });
    app.use(BULL_BOARD_PATH, guardBullBoard(options.bullBoard.auth), serverAdapter.getRouter());
  }

  const host = options.host ?? OPS_SERVER_DEFAULTS.host;
  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(options.port ?? OPS_SERVER_DEFAULTS.port, host, (error?: Error) =>
      error ? reject(error) : resolve(listening),
    );
    listening.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const shownHost =
    host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  logger.info({ host, port, bullBoard: options.bullBoard !== undefined }, 'ops server listening');
  return {
    url: `http://${shownHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
