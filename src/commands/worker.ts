/**
 * `sei-sync worker`: runs sync jobs from Redis until SIGTERM/SIGINT, with the ops server (health,
 * metrics, optional Bull Board). All workers of a deployment share one request budget through Redis.
 */
import type { Command } from 'commander';
import pg from 'pg';
import { createRedisConnection } from '../../jobs/connection.js';
import { createWorker } from '../../jobs/worker.js';
import { RedisRequestBudget } from '../extract/index.js';
import { budgetObserver } from '../observability/budget-observer.js';
import { createMetrics } from '../observability/metrics.js';
import { type ReadinessCheck, startOpsServer } from '../observability/ops-server.js';
import { createOutageLog } from '../observability/outage-log.js';
import { serviceAddress } from '../service-errors.js';
import { ALL_STREAM_NAMES } from '../streams/types.js';
import { createSyncEngineFromConfig } from '../sync/index.js';
import { loadWorkerConfig } from '../worker-config.js';
import { commandContext } from './context.js';
import { seedFreshnessGauge } from './freshness-gauge.js';
import { runAction } from './run-action.js';
import { seedVerifyGauges } from './verify-gauges.js';

/** Time after the shutdown bound for closing connections before the process exits regardless. */
const SHUTDOWN_GRACE_MS = 5_000;
/** After a clean stop, how long handles that only Redis could close may keep the process alive. */
const EXIT_AFTER_STOP_MS = 1_000;

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description(
      'run scheduled and requested syncs from Redis (BullMQ) until SIGTERM; serves /livez, /readyz, /metrics',
    )
    .action(
      runAction(async () => {
        const { config, logger } = commandContext();
        const workerConfig = loadWorkerConfig();
        if (config.sei.apiKey === undefined) {
          throw new Error('SEI_API_KEY is not set; give an SEI Admin API key (or SEI_API_KEY_FILE)');
        }
        if (config.databaseUrl === undefined) {
          logger.warn(
            'DATABASE_URL is not set: using the embedded database, which only one worker process can use',
          );
        }
        const { prefix } = workerConfig;
        const redisAddress = serviceAddress(config.redisUrl.reveal());
        const redisOutage = createOutageLog(logger, 'Redis', redisAddress);
        const connection = createRedisConnection(config.redisUrl.reveal());
        connection.on('error', (error) => redisOutage.down(error));
        connection.on('ready', () => redisOutage.up());
        const metrics = createMetrics({ streams: ALL_STREAM_NAMES });
        const budget = new RedisRequestBudget({
          redis: connection,
          prefix,
          apiKey: config.sei.apiKey,
          requestsPerMinute: config.sei.requestsPerMinute,
          observer: budgetObserver({
            logger,
            metrics,
            configuredRequestsPerMinute: config.sei.requestsPerMinute,
          }),
        });
        // A worker that cannot start (unmigrated database, say) must exit: the Redis connection, which
        // reconnects forever, would otherwise keep the process alive after the error was printed.
        const configured = await createSyncEngineFromConfig(config, { logger, budget }).catch(
          (error: unknown) => {
            connection.disconnect();
            throw error;
          },
        );
        try {
          await seedFreshnessGauge(metrics, configured.warehouse.db);
          await seedVerifyGauges(metrics, configured.warehouse.db);
        } catch (error) {
          connection.disconnect();
          await configured.close();
          throw error;
        }
        const worker = createWorker({
          redisOutage,
          engine: configured.engine,
          connection,
          prefix,
          concurrency: workerConfig.concurrency,
          shutdownTimeoutMs: workerConfig.shutdownTimeoutMs,
          logger,
          metrics,
          defaultStreams: config.streams,
        });
        metrics.observeQueues(worker.queues);
        const readiness: ReadinessCheck[] = [
          {
            name: 'redis',
            // While ioredis reconnects, a PING would wait in its offline queue: answer at once instead.
            check: async () => {
              if (connection.status !== 'ready') throw new Error(`Redis at ${redisAddress} is unreachable`);
              await connection.ping();
            },
          },
        ];
        const databaseUrl = config.databaseUrl;
        if (databaseUrl !== undefined) {
          readiness.push({
            name: 'postgres',
            check: async () => {
              const client = new pg.Client({
                connectionString: databaseUrl.reveal(),
                connectionTimeoutMillis: 2_000,
              });
              try {
                await client.connect();
                await client.query('SELECT 1');
              } finally {
                await client.end().catch(() => {});
              }
            },
          });
        }
        const { ops } = workerConfig;
        const stopAll = async () => {
          const { forced } = await worker.close();
          await configured.close();
          // QUIT waits for a Redis that is not there; without one there is nothing to say goodbye to.
          if (connection.status === 'ready') await connection.quit().catch(() => connection.disconnect());
          else connection.disconnect();
          return forced;
        };
        const opsServer = await startOpsServer({
          host: ops.host,
          port: ops.port,
          metrics,
          readiness,
          logger,
          ...(ops.bullBoardEnabled && { bullBoard: { queues: worker.queues, auth: ops.bullBoardAuth } }),
        }).catch(async (error: unknown) => {
          // No ops server (port taken, say): do not linger as a worker nobody can watch.
          await stopAll();
          throw error;
        });
        logger.info({ prefix, concurrency: workerConfig.concurrency, ops: opsServer.url }, 'worker started');

        const stopped = new Promise<NodeJS.Signals>((resolve) => {
          const onSignal = (signal: NodeJS.Signals) => {
            if (stopping) process.exit(130);
            stopping = true;
            resolve(signal);
          };
          let stopping = false;
          process.on('SIGTERM', onSignal);
          process.on('SIGINT', onSignal);
        });
        const signal = await stopped;
        logger.info({ signal }, 'stopping (send again to exit at once)');
        // Whatever is down, the process ends shortly after its bound (closing queues waits for Redis).
        const deadline = setTimeout(() => {
          logger.error('shutdown did not finish within its bound; exiting');
          process.exit(1);
        }, workerConfig.shutdownTimeoutMs + SHUTDOWN_GRACE_MS).unref();
        const forced = await stopAll();
        await opsServer.close();
        logger.info({ forced }, 'worker stopped');
        clearTimeout(deadline);
        // BullMQ's own connections may still be reconnecting to a Redis that is gone: do not wait for them.
        setTimeout(() => process.exit(), EXIT_AFTER_STOP_MS).unref();
        return 0;
      }),
    );
}
