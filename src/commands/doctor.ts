import type { Command } from 'commander';
import { Redis } from 'ioredis';
import { type Config, loadConfig } from '../config.js';
import { createSeiClient, TokenBucketBudget } from '../extract/index.js';
import { silentLogger } from '../observability/logger.js';
import { runProbe } from '../probe/index.js';
import { pendingMigrations } from '../state/index.js';
import { isStreamName, STREAMS } from '../streams/registry.js';
import { probeV2, V2Client } from '../v2/index.js';
import {
  type DoctorCheckJson,
  type DoctorDocument,
  documentHead,
  exitCodeOf,
  JSON_FLAG,
  JSON_OPTION_HELP,
  writeJsonDocument,
} from './json-output.js';
import { withWarehouse } from './open-warehouse.js';
import { runAction } from './run-action.js';

interface Check {
  name: DoctorCheckJson['name'];
  run: () => Promise<string>;
}

/** One cheap request (one record of the integrations list), one attempt: a bad key fails once, clearly. */
async function checkSei(config: Config): Promise<string> {
  if (config.sei.apiKey === undefined && config.v2) return 'no SEI 1.0 key: SEI 2.0 only (see sei_v2)';
  if (config.sei.apiKey === undefined) throw new Error('SEI_API_KEY is not set (or SEI_API_KEY_FILE)');
  const budget = new TokenBucketBudget({ requestsPerMinute: config.sei.requestsPerMinute });
  const client = createSeiClient({ ...config.sei, maxAttempts: 1 }, budget, silentLogger);
  try {
    const stream = STREAMS.integrations;
    const { response } = await client.list(stream.path, {
      page: 0,
      page_size: 1,
      filter: {},
      sort: [...stream.sort],
    });
    const total = response._metadata?.total_count;
    return `${config.sei.baseUrl} accepted the key (${total === undefined ? 'integrations listed' : `${total} integrations`})`;
  } finally {
    await client.close();
    await budget.close?.();
  }
}

/**
 * The cheap part of `sei-sync probe` (the auth words, and for each stream walked by time the endpoint
 * and the range bound type): fails when a row needs the user (a bound type the server refuses, a 404).
 */
async function checkProbe(config: Config): Promise<string> {
  if (config.sei.apiKey === undefined) throw new Error('not run: no key');
  const streams = config.streams.filter(isStreamName).map((name) => STREAMS[name]);
  const report = await runProbe({ config, streams, cheap: true });
  const needsUser = report.rows.filter((row) => !row.handled);
  const unknown = report.rows.filter((row) => row.result === 'unknown').length;
  const cost = `${report.requests} requests`;
  if (needsUser.length > 0)
    throw new Error(
      `${needsUser.map((row) => `${row.stream ?? row.check}: ${row.assumption}: ${row.action}`).join('; ')} (${cost}); run \`sei-sync probe\``,
    );
  const quirks = report.rows.filter((row) => row.result === 'does_not_hold').length;
  return `endpoints, auth words and range bound types: ${report.rows.length - quirks - unknown} hold, ${quirks} known quirks handled${unknown > 0 ? `, ${unknown} could not tell` : ''} (${cost}); \`sei-sync probe\` checks the rest`;
}

/** SEI 2.0: one line per call, saying what the server answered (src/v2/doctor.ts). */
async function checkSeiV2(config: Config): Promise<DoctorCheckJson[]> {
  const settings = config.v2 as NonNullable<Config['v2']>;
  const budget = new TokenBucketBudget({ requestsPerMinute: config.sei.requestsPerMinute });
  const client = new V2Client({ settings, budget, timeoutMs: config.sei.timeoutMs, maxAttempts: 1 });
  try {
    const lines = await probeV2(client);
    return lines.map((line) => ({ name: 'sei_v2', ok: line.ok, message: line.message }));
  } finally {
    await client.close();
    await budget.close?.();
  }
}

async function checkDatabase(config: Config): Promise<string> {
  return withWarehouse(config, async (warehouse) => {
    const pending = await pendingMigrations(warehouse);
    if (pending.length > 0)
      throw new Error(
        `${warehouse.location} reachable but not migrated (${pending.join(', ')} pending); run \`sei-sync migrate\``,
      );
    return `${warehouse.location} reachable and migrated`;
  });
}

async function checkRedis(config: Config): Promise<string> {
  const redis = new Redis(config.redisUrl.reveal(), {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
    const policy = (await redis.config('GET', 'maxmemory-policy').catch(() => [])) as string[];
    const warning =
      policy[1] && policy[1] !== 'noeviction'
        ? ` (maxmemory-policy is ${policy[1]}; BullMQ needs noeviction)`
        : '';
    return `Redis reachable${warning} (needed by the worker only)`;
  } finally {
    redis.disconnect();
  }
}

/**
 * Every check in order, each reported to `onCheck` as soon as it is done (a person watching sees the
 * slow SEI request happen); a configuration that does not load is the only check there is.
 */
export async function runChecks(
  onCheck: (check: DoctorCheckJson) => void = () => {},
): Promise<DoctorCheckJson[]> {
  const results: DoctorCheckJson[] = [];
  const report = (check: DoctorCheckJson) => {
    results.push(check);
    onCheck(check);
  };
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    report({ name: 'config', ok: false, message: (error as Error).message });
    return results;
  }
  report({
    name: 'config',
    ok: true,
    message: `${config.sei.baseUrl}, key ${config.sei.apiKey ? 'set' : 'not set'}, scheme ${config.sei.authScheme}`,
  });
  const checks: Check[] = [
    { name: 'sei', run: () => checkSei(config) },
    { name: 'probe', run: () => checkProbe(config) },
    { name: 'database', run: () => checkDatabase(config) },
    { name: 'redis', run: () => checkRedis(config) },
  ];
  for (const check of checks) {
    try {
      report({ name: check.name, ok: true, message: await check.run() });
    } catch (error) {
      report({ name: check.name, ok: false, message: (error as Error).message.split('\n')[0] ?? '' });
    }
    if (check.name === 'sei' && config.v2) for (const line of await checkSeiV2(config)) report(line);
  }
  return results;
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'check the configuration, the SEI key (one request), the cheap part of `probe`, the database and Redis',
    )
    .option(JSON_FLAG, JSON_OPTION_HELP)
    .action(
      runAction(async (options: { json?: boolean }) => {
        const checks = await runChecks((check) => {
          if (!options.json)
            process.stdout.write(`${check.ok ? '✓' : '✗'} ${check.name}: ${check.message}\n`);
        });
        const document: DoctorDocument = {
          ...documentHead(
            'doctor',
            checks.every((check) => check.ok),
          ),
          checks,
        };
        if (options.json) writeJsonDocument(document);
        return exitCodeOf(document);
      }),
    );
}
