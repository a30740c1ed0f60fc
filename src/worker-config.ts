/**
 * Configuration of the long-running side of sei-sync: the BullMQ worker, its job schedules and its
 * operations server. Kept apart from src/config.ts because only `worker`, `schedule`, `run-now` and
 * `status` need it; read from the environment the same way (zod, one-line errors naming the variable).
 *
 * Variables (defaults in WORKER_DEFAULTS):
 *   WORKER_CONCURRENCY          stream and slice jobs one worker process runs at once (16)
 *   WORKER_SHUTDOWN_TIMEOUT_MS  longest graceful stop after SIGTERM before jobs are abandoned (30000)
 *   BULLMQ_PREFIX               prefix of every Redis key (sei-sync)
 *   SCHEDULE_FULL_CRON          full refresh of every stream ('0 2 * * *'; 'off' disables it)
 *   SCHEDULE_INCREMENTAL_CRON   incremental run of every stream ('0 * * * *'; 'off' disables it)
 *   SCHEDULE_TZ                 IANA time zone of the patterns (UTC)
 *   SCHEDULE_VERIFY_CRON        verify every stream against SEI's counts and heal what differs, e.g.
 *                               weekly '0 4 * * 0' ('off', the default, disables it; scheduler id 'verify')
 *   SEI_SYNC_SCHEDULES          JSON array of stream groups, replacing the two schedules above, e.g.
 *                               [{"name":"jira","cron":"*\/15 * * * *","streams":["jira_issues"]},
 *                                {"name":"nightly","cron":"0 2 * * *","tz":"Europe/Berlin","fullRefresh":true}]
 *                               fields: name ([a-z0-9_-]+, the scheduler id), cron or everyMs, tz (UTC),
 *                               fullRefresh (false), streams (all when absent or empty)
 *   OPS_PORT / OPS_HOST         ops server (/livez, /readyz, /metrics) address (9464 / 0.0.0.0)
 *   BULL_BOARD_ENABLED          serve Bull Board at /admin/queues (false)
 *   BULL_BOARD_USER, BULL_BOARD_PASSWORD(_FILE)
 *                               basic auth for Bull Board; without them it answers loopback clients only
 */
import { z } from 'zod';
import { ConfigError, nonNegativeInt, positiveInt, readSecretVariable } from './config.js';
import { OPS_SERVER_DEFAULTS } from './observability/ops-defaults.js';
import { Secret } from './secret.js';
import { ALL_STREAM_NAMES, type AnyStreamName } from './streams/types.js';

/** Defaults, defined once. Units are in the names. */
export const WORKER_DEFAULTS = {
  /** Stream jobs one worker process runs at once; they share the request budget anyway. */
  concurrency: 16,
  fullCron: '0 2 * * *',
  incrementalCron: '0 * * * *',
  /** Verify (with heal) is opt-in: it costs a request per month of each stream. */
  verifyCron: 'off',
  timeZone: 'UTC',
  opsPort: OPS_SERVER_DEFAULTS.port,
  opsHost: OPS_SERVER_DEFAULTS.host,
  bullmqPrefix: 'sei-sync',
  /** How long a worker waits for its current pages after SIGTERM before it gives up on them. */
  shutdownTimeoutMs: 30_000,
} as const;

/** One configured schedule: a named group of streams run on a cron pattern (or a fixed interval). */
export interface ScheduleGroup {
  /** Becomes the BullMQ job scheduler id; `[a-z0-9_-]+`. */
  name: string;
  /** Cron pattern (5 or 6 fields); exclusive with `everyMs`. */
  cron?: string;
  /** Fixed interval instead of a cron pattern (mostly for tests and demos). */
  everyMs?: number;
  /** IANA time zone of the cron pattern. @defaultValue 'UTC' */
  tz: string;
  fullRefresh: boolean;
  /** Streams to run; all streams when empty. */
  streams: AnyStreamName[];
}

/** The job scheduler id of the scheduled verify (no sync schedule may take it while it is on). */
export const VERIFY_SCHEDULE_ID = 'verify';

/** The scheduled verify: every stream compared with the server's counts, differing buckets healed. */
export interface VerifySchedule {
  cron: string;
  /** @defaultValue 'UTC' (SCHEDULE_TZ) */
  tz: string;
}

export interface OpsConfig {
  /** @defaultValue 9464 */
  port: number;
  /** @defaultValue '0.0.0.0' */
  host: string;
  /** Bull Board at /admin/queues. @defaultValue false */
  bullBoardEnabled: boolean;
  /** Basic auth for Bull Board; without it Bull Board only answers loopback clients. */
  bullBoardAuth: { user: string; password: Secret } | undefined;
}

export interface WorkerConfig {
  /** @defaultValue 4 */
  concurrency: number;
  /** Prefix of every BullMQ key in Redis. @defaultValue 'sei-sync' */
  prefix: string;
  /** @defaultValue 30000 */
  shutdownTimeoutMs: number;
  schedules: ScheduleGroup[];
  /** Off unless SCHEDULE_VERIFY_CRON is set. */
  verify: VerifySchedule | undefined;
  ops: OpsConfig;
}

type Env = Record<string, string | undefined>;

function fail(variable: string, error: z.ZodError, raw: string): never {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw new ConfigError(
    variable,
    `${issue?.message ?? 'invalid value'}${where} (got ${JSON.stringify(raw).slice(0, 120)})`,
  );
}

function parseVar<T>(env: Env, variable: string, schema: z.ZodType<T>, fallback: T): T {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  const result = schema.safeParse(raw);
  if (!result.success) fail(variable, result.error, raw);
  return result.data;
}

/** Five or six space-separated cron fields; BullMQ's cron parser checks the rest when the scheduler is created. */
const cronPattern = z
  .string()
  .trim()
  .refine((value) => /^\S+(\s+\S+){4,5}$/.test(value), {
    error: 'must be a cron pattern of 5 or 6 fields, e.g. "0 2 * * *"',
  });

const timeZone = z.string().refine(
  (value) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: value });
      return true;
    } catch {
      return false;
    }
  },
  { error: 'must be an IANA time zone such as UTC or Europe/Berlin' },
);

const booleanFlag = z
  .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1');

const scheduleGroupSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9_-]+$/, { error: 'name must match [a-z0-9_-]+' }),
    cron: cronPattern.optional(),
    everyMs: z.number().int().positive().optional(),
    tz: timeZone.default(WORKER_DEFAULTS.timeZone),
    fullRefresh: z.boolean().default(false),
    streams: z
      .array(z.enum(ALL_STREAM_NAMES, { error: `streams must be among ${ALL_STREAM_NAMES.join(', ')}` }))
      .default([]),
  })
  .strict()
  .refine((group) => (group.cron === undefined) !== (group.everyMs === undefined), {
    error: 'each schedule needs exactly one of cron or everyMs',
  });

const schedulesSchema = z
  .array(scheduleGroupSchema)
  .refine((groups) => new Set(groups.map((g) => g.name)).size === groups.length, {
    error: 'schedule names must be unique',
  });

const cronOrOff = z.union([z.literal('off'), cronPattern]);

/** Reads SCHEDULE_VERIFY_CRON (with SCHEDULE_TZ); undefined when it is off. */
export function loadVerifySchedule(env: Env, groups: readonly ScheduleGroup[]): VerifySchedule | undefined {
  const cron = parseVar(env, 'SCHEDULE_VERIFY_CRON', cronOrOff, WORKER_DEFAULTS.verifyCron);
  if (cron === 'off') return undefined;
  if (groups.some((group) => group.name === VERIFY_SCHEDULE_ID))
    throw new ConfigError(
      'SEI_SYNC_SCHEDULES',
      `a schedule is named "${VERIFY_SCHEDULE_ID}", the id of the scheduled verify (SCHEDULE_VERIFY_CRON); rename it`,
    );
  return { cron, tz: parseVar(env, 'SCHEDULE_TZ', timeZone, WORKER_DEFAULTS.timeZone) };
}

/**
 * Reads the schedules. `SEI_SYNC_SCHEDULES` (a JSON array of groups) replaces the defaults entirely;
 * otherwise there are two groups over all streams: `full` (SCHEDULE_FULL_CRON, full refresh) and
 * `incremental` (SCHEDULE_INCREMENTAL_CRON); either cron may be `off`.
 */
export function loadSchedules(env: Env): ScheduleGroup[] {
  const json = env.SEI_SYNC_SCHEDULES;
  if (json !== undefined && json.trim() !== '') {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      throw new ConfigError(
        'SEI_SYNC_SCHEDULES',
        'is not valid JSON; give an array like [{"name":"jira","cron":"*/15 * * * *","streams":["jira_issues"]}]',
      );
    }
    const result = schedulesSchema.safeParse(value);
    if (!result.success) fail('SEI_SYNC_SCHEDULES', result.error, json);
    return result.data;
  }
  const tz = parseVar(env, 'SCHEDULE_TZ', timeZone, WORKER_DEFAULTS.timeZone);
  const groups: ScheduleGroup[] = [];
  const full = parseVar(env, 'SCHEDULE_FULL_CRON', cronOrOff, WORKER_DEFAULTS.fullCron);
  if (full !== 'off') groups.push({ name: 'full', cron: full, tz, fullRefresh: true, streams: [] });
  const incremental = parseVar(env, 'SCHEDULE_INCREMENTAL_CRON', cronOrOff, WORKER_DEFAULTS.incrementalCron);
  if (incremental !== 'off')
    groups.push({ name: 'incremental', cron: incremental, tz, fullRefresh: false, streams: [] });
  return groups;
}

function schedulesOf(env: Env): Pick<WorkerConfig, 'schedules' | 'verify'> {
  const schedules = loadSchedules(env);
  return { schedules, verify: loadVerifySchedule(env, schedules) };
}

/** Builds the worker configuration from an environment (by default `process.env`). Throws `ConfigError`. */
export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  const bullBoardUser = env.BULL_BOARD_USER;
  const bullBoardPassword = readSecretVariable(env, 'BULL_BOARD_PASSWORD');
  if ((bullBoardUser ? 1 : 0) + (bullBoardPassword ? 1 : 0) === 1) {
    throw new ConfigError(
      bullBoardUser ? 'BULL_BOARD_PASSWORD' : 'BULL_BOARD_USER',
      'set both BULL_BOARD_USER and BULL_BOARD_PASSWORD (or neither)',
    );
  }
  return {
    concurrency: parseVar(
      env,
      'WORKER_CONCURRENCY',
      positiveInt('use 1 to 64').max(64, { error: 'must be at most 64' }),
      WORKER_DEFAULTS.concurrency,
    ),
    prefix: parseVar(
      env,
      'BULLMQ_PREFIX',
      z.string().regex(/^[A-Za-z0-9_.-]+$/, { error: 'must be letters, digits, _ . or - (no colon)' }),
      WORKER_DEFAULTS.bullmqPrefix,
    ),
    shutdownTimeoutMs: parseVar(
      env,
      'WORKER_SHUTDOWN_TIMEOUT_MS',
      positiveInt('use e.g. 30000'),
      WORKER_DEFAULTS.shutdownTimeoutMs,
    ),
    ...schedulesOf(env),
    ops: {
      port: parseVar(
        env,
        'OPS_PORT',
        nonNegativeInt('give a port, 0-65535').max(65_535, { error: 'must be a port, 0-65535' }),
        WORKER_DEFAULTS.opsPort,
      ),
      host: env.OPS_HOST || WORKER_DEFAULTS.opsHost,
      bullBoardEnabled: parseVar(env, 'BULL_BOARD_ENABLED', booleanFlag, false),
      bullBoardAuth:
        bullBoardUser && bullBoardPassword
          ? { user: bullBoardUser, password: new Secret(bullBoardPassword) }
          : undefined,
    },
  };
}
