/**
 * `sei-sync worker`: runs sync jobs from Redis until SIGTERM/SIGINT, with the ops server (health,
 * metrics, optional Bull Board). All workers of a deployment share one request budget through Redis.
 */
import type { Command } from 'commander';
import pg from 'pg';
import { createRedisConnection } from '../../jobs/connection.js';
import { createWorker } from '../../jobs/worker.js';
import { budgetObserver } from '../observability/budget-observer.js';
import { createMetrics } from '../observability/metrics.js';
import { type ReadinessCheck, startOpsServer } from '../observability/ops-server.js';
import { RedisRequestBudget } from '../sei/redis-budget.js';
import { STREAM_NAMES } from '../streams/types.js';
import { createSyncEngineFromConfig } from '../sync/index.js';
import { loadWorkerConfig } from '../worker-config.js';
import { commandContext } from './context.js';
import { seedFreshnessGauge } from './freshness-gauge.js';
import { runAction } from './run-action.js';
import { seedVerifyGauges } from './verify-gauges.js';

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
        const connection = createRedisConnection(config.redisUrl.reveal());
        connection.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
        const metrics = createMetrics({ streams: STREAM_NAMES });
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
        const configured = await createSyncEngineFromConfig(config, { logger, budget });
        await seedFreshnessGauge(metrics, configured.warehouse.db);
        await seedVerifyGauges(metrics, configured.warehouse.db);
        const worker = createWorker({
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
          { name: 'redis', check: async () => void (await connection.ping()) },
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
          await connection.quit().catch(() => connection.disconnect());
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
        const forced = await stopAll();
        await opsServer.close();
        logger.info({ forced }, 'worker stopped');
        return 0;
      }),
    );
}
