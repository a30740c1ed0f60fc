/**
 * The one configuration of sei-sync, read from the environment.
 *
 * Every option is declared once below with its default; secrets may also come from a file
 * (`<NAME>_FILE`, the Docker/Kubernetes secrets convention). Every error is one line that names the
 * variable and says how to fix it, because that line is all a user of a cron job will see.
 */

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DORA_DEFAULTS, type DoraSettings } from './dora/defaults.js';
import { SYNC_ERROR_CODES } from './errors.js';
import { CLIENT_DEFAULTS, IN_FLIGHT_DEFAULTS } from './extract/sei/defaults.js';
import { Secret } from './secret.js';
import { parseAnyStreamList, UnknownStreamError } from './streams/stream-names.js';
import { type AnyStreamName, STREAM_NAMES, V2_STREAM_NAMES } from './streams/types.js';
import {
  V2_ACCOUNT_PLACES,
  V2_DEFAULTS,
  V2_EXPORT_TYPES,
  V2_GRANULARITIES,
  V2_KEY_HEADERS,
  type V2ExportType,
  type V2Settings,
} from './v2/settings.js';

/** Base URLs of the Harness SEI environments (see README, "Configuration"). */
export const SEI_ENVIRONMENTS = {
  prod1: 'https://app.harness.io/prod1/sei/api',
  prod2: 'https://app.harness.io/gratis/sei/api',
  prod3: 'https://app3.harness.io/sei/api',
  prod4: 'https://prod4.harness.io/sei/api',
  eu1: 'https://accounts.eu.harness.io/sei/api',
} as const;
export type SeiEnvironment = keyof typeof SEI_ENVIRONMENTS;

/**
 * Defaults, defined once. Units are in the names. Those of the SEI client are its own constants
 * (the config refers to them, never the other way round).
 */
export const DEFAULTS = {
  seiEnvironment: 'prod2' satisfies SeiEnvironment,
  authScheme: CLIENT_DEFAULTS.authScheme,
  pageSize: 1000,
  /** Harness allows 1,000 requests per minute per key; stay well below so other tools keep working. */
  requestsPerMinute: 600,
  timeoutMs: CLIENT_DEFAULTS.timeoutMs,
  maxAttempts: CLIENT_DEFAULTS.maxAttempts,
  lookbackSeconds: 86_400,
  redisUrl: 'redis://127.0.0.1:6379',
  dataDir: './.sei-sync',
  logLevel: 'info',
  maxPages: 100_000,
  /** Requests in flight at most per process, whatever the budget and the latency would allow. */
  maxInFlight: IN_FLIGHT_DEFAULTS.maxInFlight,
  forceDatabaseSource: true,
  /**
   * A walker whose slice is done splits a running one (src/sync/work-stealing.ts). Under
   * SEI_SYNC_CLOCK (a replay of a capture) the default is off: a replay holds only the requests captured.
   */
  workStealing: true,
} as const;

/** A true/false setting. */
const trueOrFalse = z
  .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1');

/**
 * `SEI_SYNC_PAGE_WRITERS`: pages of one slice in hand at once, unless set (1 on the embedded database,
 * which has one connection). The engine writes at most `max`.
 */
export const PAGE_WRITERS = { postgres: 2, embedded: 1, max: 2 } as const;

/**
 * `SEI_SYNC_PAGES_IN_HAND`: pages fetched and not yet committed, for the whole process (each a response
 * body, its records, rows and COPY buffer: megabytes for 1,000 Jira issues). Unless set, the in-flight
 * cap plus `beyondInFlight`: every request the latency calls for can be under way while that many
 * answered pages are written. Of them at most `parsed` are parsed at once (the others wait as their
 * bodies, a third of a parsed page): the `beyondInFlight` being written and as many ready to follow.
 */
export const PAGES_IN_HAND = { beyondInFlight: 4, parsed: 8, max: 1024 } as const;

export class ConfigError extends Error {
  readonly code = SYNC_ERROR_CODES.config;
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export interface SeiConfig {
  /** Base URL without a trailing slash, e.g. `https://app.harness.io/gratis/sei/api`. */
  baseUrl: string;
  /** Undefined when no key is configured (the demo and the simulator need none). */
  apiKey: Secret | undefined;
  /** The word before the key in `Authorization`. @defaultValue 'APIKEY' */
  authScheme: string;
  /** @defaultValue 1000 */
  pageSize: number;
  /** Per request, headers and body together. @defaultValue 60000 */
  timeoutMs: number;
  /** Requests per minute for this key across every process that shares the budget. @defaultValue 600 */
  requestsPerMinute: number;
  /** Attempts per request, the first included. @defaultValue 6 */
  maxAttempts: number;
  /** Hard stop for one walk (a time slice, a list), so a server that never ends cannot loop us forever. @defaultValue 100000 */
  maxPages: number;
  /** Requests in flight at most per process (the budget rate × the observed latency, capped by this). @defaultValue 16 */
  maxInFlight: number;
  /** Send `force_source=db` where the server may otherwise answer from Elasticsearch. @defaultValue true */
  forceDatabaseSource: boolean;
  /** Route of the collection categories list, when set (else the documented one, then the server's). */
  categoriesPath: string | undefined;
}

/** What a sync covers, beyond which streams: a backfill horizon and a selection of integrations. */
export interface SyncScope {
  /**
   * Backfill horizon: the first walk of an incremental stream (and a full refresh) starts here instead
   * of at the beginning of time; rows older than it are never deleted. Undefined: all history.
   */
  startDate: Date | undefined;
  /** Only these integrations, where an endpoint filters by `integration_ids`. Undefined: all. */
  integrationIds: readonly string[] | undefined;
}

export interface Config {
  sei: SeiConfig;
  /** PostgreSQL URL; undefined means the embedded PGlite database in `dataDir`. */
  databaseUrl: Secret | undefined;
  dataDir: string;
  redisUrl: Secret;
  /** How far before the last cursor an incremental walk starts, for late-arriving updates. @defaultValue 86400 */
  lookbackSeconds: number;
  /**
   * The streams a run syncs when it names none (`sync`, `plan`, `run-now` and schedules without
   * `--streams` / `streams`), from SEI_STREAMS. @defaultValue every stream
   */
  streams: readonly AnyStreamName[];
  /** SEI 2.0 (src/v2/, docs/sei-v2.md): set when SEI_V2_ACCOUNT is. */
  v2: V2Settings | undefined;
  /**
   * Pages of one stream written at once (on separate connections, committed in order).
   * Undefined: 2 on a PostgreSQL server, 1 on the embedded database.
   */
  pageWriters: number | undefined;
  /**
   * Pages fetched and not yet committed, for the whole process (SEI_SYNC_PAGES_IN_HAND).
   * Undefined: the in-flight cap + `PAGES_IN_HAND.beyondInFlight`.
   */
  pagesInHand: number | undefined;
  /**
   * SEI_SYNC_WORK_STEALING: walkers split running slices once theirs is done. Off makes a walk's
   * requests independent of timing (replaying a capture answers only the requests it holds), so a
   * frozen clock (SEI_SYNC_CLOCK) turns it off unless it is set.
   */
  workStealing: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  scope: SyncScope;
  /** The DORA snapshot windows in days (src/dora/); `asOf` pins the day they end before (demo, tests). */
  dora: DoraSettings;
  /**
   * SEI_SYNC_CLOCK: the instant the sync takes as "now", frozen; for replaying a capture (whose
   * manifest names it), never for a real tenant. Undefined: the real clock.
   */
  clock: Date | undefined;
}

/** Whether the `YYYY-MM-DD` that `text` starts with is a day of the calendar (JS rolls 2024-02-31 over to March 2). */
function isCalendarDate(text: string): boolean {
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * An ISO date (`2024-01-01`, UTC midnight) or instant (`2024-01-01T12:00:00Z`) in the past, for
 * `SEI_START_DATE` and `sync --since`. Throws a one-line ConfigError naming `source`.
 */
export function parseStartDate(raw: string, source: string, now: Date = new Date()): Date {
  const text = raw.trim();
  const date = /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T00:00:00Z`) : new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(date.getTime()) || !isCalendarDate(text))
    throw new ConfigError(
      source,
      `"${raw}" is not a date; give an ISO date such as 2024-01-01 or 2024-01-01T00:00:00Z`,
    );
  if (date.getTime() > now.getTime())
    throw new ConfigError(
      source,
      `${date.toISOString()} is in the future; give a date in the past (the backfill starts there)`,
    );
  if (date.getTime() < 0) throw new ConfigError(source, 'must be after 1970-01-01');
  return date;
}

/** An ISO instant for SEI_SYNC_CLOCK. Throws a one-line ConfigError. */
export function parseClock(raw: string, source: string): Date {
  const date = new Date(raw.trim());
  if (!/^\d{4}-\d{2}-\d{2}T/.test(raw.trim()) || Number.isNaN(date.getTime()))
    throw new ConfigError(
      source,
      `"${raw}" is not an instant; give the "clock" of the capture's manifest.json, such as 2026-01-01T00:00:00.000Z`,
    );
  return date;
}

/** `378, 379` into integration ids (numeric strings, as SEI names them). Throws a one-line ConfigError. */
export function parseIntegrationIds(raw: string, source: string): string[] {
  const ids = [
    ...new Set(
      raw
        .split(',')
        .map((id) => id.trim())
        .filter((id) => id !== ''),
    ),
  ];
  const bad = ids.filter((id) => !/^\d+$/.test(id));
  if (ids.length === 0 || bad.length > 0)
    throw new ConfigError(
      source,
      `${bad.length > 0 ? `"${bad.join('", "')}" ${bad.length === 1 ? 'is not an integration id' : 'are not integration ids'}` : 'names no integration'}; give SEI integration ids separated by commas, e.g. 378,379`,
    );
  return ids;
}

type Env = Record<string, string | undefined>;

/**
 * A whole number from an environment variable; every failure (zod's own "expected number, received
 * NaN" included) says what to give instead. `fix` is e.g. "use e.g. 1000".
 */
const wholeNumber = (fix: string) =>
  z.coerce
    .number({ error: () => `must be a whole number; ${fix}` })
    .int({ error: () => `must be a whole number; ${fix}` });

export const positiveInt = (fix: string) =>
  wholeNumber(fix).positive({ error: () => `must be greater than 0; ${fix}` });

export const nonNegativeInt = (fix: string) =>
  wholeNumber(fix).nonnegative({ error: () => `must be 0 or more; ${fix}` });

/** Reads `NAME` or, when unset, the file named by `NAME_FILE` (trailing newline trimmed). */
export function readSecretVariable(env: Env, name: string): string | undefined {
  const direct = env[name];
  if (direct !== undefined && direct !== '') return direct;
  const file = env[`${name}_FILE`];
  if (file === undefined || file === '') return undefined;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(`${name}_FILE`, `cannot read ${file} (${reason}); point it at a readable file`);
  }
}

function parseWith<T>(variable: string, schema: z.ZodType<T>, raw: string | undefined, fallback: T): T {
  if (raw === undefined || raw === '') return fallback;
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigError(variable, `${result.error.issues[0]?.message ?? 'invalid value'} (got "${raw}")`);
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || hostname.startsWith('127.');
}

/** Resolves `SEI_BASE_URL` or `SEI_ENV` into a normalized base URL, refusing plain HTTP off loopback. */
export function resolveBaseUrl(env: Env): string {
  const explicit = env.SEI_BASE_URL;
  const envName = env.SEI_ENV;
  let raw: string;
  let variable: string;
  if (explicit !== undefined && explicit !== '') {
    raw = explicit;
    variable = 'SEI_BASE_URL';
  } else if (envName !== undefined && envName !== '') {
    if (!(envName in SEI_ENVIRONMENTS)) {
      throw new ConfigError(
        'SEI_ENV',
        `unknown environment "${envName}"; use one of ${Object.keys(SEI_ENVIRONMENTS).join(', ')} or set SEI_BASE_URL`,
      );
    }
    raw = SEI_ENVIRONMENTS[envName as SeiEnvironment];
    variable = 'SEI_ENV';
  } else {
    raw = SEI_ENVIRONMENTS[DEFAULTS.seiEnvironment];
    variable = 'SEI_ENV';
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(variable, `"${raw}" is not a URL; give e.g. https://app.harness.io/gratis/sei/api`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(variable, `protocol ${url.protocol} is not supported; use https://`);
  }
  const allowHttp = env.SEI_ALLOW_INSECURE_HTTP === 'true' || env.SEI_ALLOW_INSECURE_HTTP === '1';
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && !allowHttp) {
    throw new ConfigError(
      variable,
      `plain http:// to ${url.hostname} would send the API key unencrypted; use https:// or set SEI_ALLOW_INSECURE_HTTP=true`,
    );
  }
  if (url.username || url.password) {
    throw new ConfigError(variable, 'must not contain credentials; put the key in SEI_API_KEY');
  }
  return url.toString().replace(/\/+$/, '');
}

/** The 2.0 stream of each export type. */
const V2_EXPORT_STREAMS: Record<V2ExportType, AnyStreamName> = {
  efficiency: 'v2_efficiency',
  productivity: 'v2_productivity',
  sprint: 'v2_sprint',
  ba: 'v2_business_alignment',
  'ticket-data': 'v2_time_in_status',
};

/**
 * SEI_STREAMS (`jira_issues, v2_efficiency`), or when unset: the 1.0 streams (unless only 2.0 is
 * configured: SEI_V2_ACCOUNT set and SEI_API_KEY not), then `v2_org` and one stream per SEI_V2_EXPORTS
 * type when 2.0 is configured.
 */
function defaultStreams(
  raw: string | undefined,
  v2: V2Settings | undefined,
  hasV1Key: boolean,
): readonly AnyStreamName[] {
  if (raw === undefined || raw.trim() === '') {
    if (!v2) return STREAM_NAMES;
    const v2Streams = V2_STREAM_NAMES.filter(
      (name) => name === 'v2_org' || v2.exportTypes.some((type) => V2_EXPORT_STREAMS[type] === name),
    );
    return hasV1Key ? [...STREAM_NAMES, ...v2Streams] : v2Streams;
  }
  try {
    return parseAnyStreamList(raw);
  } catch (error) {
    if (error instanceof UnknownStreamError) throw new ConfigError('SEI_STREAMS', error.message);
    throw error;
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Builds the configuration from an environment (by default `process.env`). Throws `ConfigError`. */
export function loadConfig(env: Env = process.env): Config {
  const apiKey = readSecretVariable(env, 'SEI_API_KEY');
  if (apiKey !== undefined && /\s/.test(apiKey)) {
    throw new ConfigError(
      'SEI_API_KEY',
      'contains white space; paste the key alone, without the "APIKEY" word',
    );
  }
  const authScheme = parseWith(
    'SEI_AUTH_SCHEME',
    z.string().regex(/^[A-Za-z]+$/, {
      error:
        'must be one word such as APIKEY, ApiKey or Bearer (SEI splits the Authorization header at its first space, so "API KEY" can never work)',
    }),
    env.SEI_AUTH_SCHEME,
    DEFAULTS.authScheme,
  );
  const databaseUrl = readSecretVariable(env, 'DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(
      'DATABASE_URL',
      'must start with postgres:// or postgresql://; unset it for the embedded database',
    );
  }
  const redisUrl = readSecretVariable(env, 'REDIS_URL') ?? DEFAULTS.redisUrl;
  if (!/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError('REDIS_URL', 'must start with redis:// or rediss://');
  }
  const baseUrl = resolveBaseUrl(env);
  const v2 = loadV2Settings(env, baseUrl, apiKey);
  return {
    sei: {
      baseUrl,
      apiKey: apiKey === undefined ? undefined : new Secret(apiKey),
      authScheme,
      pageSize: parseWith(
        'SEI_PAGE_SIZE',
        positiveInt('use e.g. 1000').max(10_000, {
          error: 'must be at most 10000 (the Jira endpoint rejects more)',
        }),
        env.SEI_PAGE_SIZE,
        DEFAULTS.pageSize,
      ),
      timeoutMs: parseWith(
        'SEI_TIMEOUT_MS',
        positiveInt('use e.g. 60000'),
        env.SEI_TIMEOUT_MS,
        DEFAULTS.timeoutMs,
      ),
      requestsPerMinute: parseWith(
        'SEI_REQUESTS_PER_MINUTE',
        positiveInt('use e.g. 600').max(5000, {
          error: 'must be at most 5000; Harness allows 1000 per key per minute',
        }),
        env.SEI_REQUESTS_PER_MINUTE,
        DEFAULTS.requestsPerMinute,
      ),
      maxAttempts: parseWith(
        'SEI_MAX_ATTEMPTS',
        positiveInt('use e.g. 6'),
        env.SEI_MAX_ATTEMPTS,
        DEFAULTS.maxAttempts,
      ),
      maxPages: parseWith(
        'SEI_MAX_PAGES',
        positiveInt('use e.g. 100000'),
        env.SEI_MAX_PAGES,
        DEFAULTS.maxPages,
      ),
      maxInFlight: parseWith(
        'SEI_MAX_IN_FLIGHT',
        positiveInt('use e.g. 16').max(64, { error: 'must be at most 64; use e.g. 16' }),
        env.SEI_MAX_IN_FLIGHT,
        DEFAULTS.maxInFlight,
      ),
      forceDatabaseSource: parseWith(
        'SEI_FORCE_SOURCE_DB',
        trueOrFalse,
        env.SEI_FORCE_SOURCE_DB,
        DEFAULTS.forceDatabaseSource,
      ),
      categoriesPath: parseWith(
        'SEI_CATEGORIES_PATH',
        z
          .string()
          .regex(/^\/?v1\/[A-Za-z0-9_/]+\/list$/, {
            error: 'must be a list route such as /v1/org/groups/list',
          })
          .transform((path) => (path.startsWith('/') ? path : `/${path}`)),
        env.SEI_CATEGORIES_PATH,
        undefined,
      ),
    },
    databaseUrl: databaseUrl === undefined ? undefined : new Secret(databaseUrl),
    dataDir: env.SEI_SYNC_DATA_DIR || DEFAULTS.dataDir,
    redisUrl: new Secret(redisUrl),
    streams: defaultStreams(env.SEI_STREAMS, v2, apiKey !== undefined),
    v2,
    lookbackSeconds: parseWith(
      'SEI_LOOKBACK_SECONDS',
      nonNegativeInt('give seconds, e.g. 86400'),
      env.SEI_LOOKBACK_SECONDS,
      DEFAULTS.lookbackSeconds,
    ),
    pageWriters:
      env.SEI_SYNC_PAGE_WRITERS === undefined || env.SEI_SYNC_PAGE_WRITERS === ''
        ? undefined
        : parseWith(
            'SEI_SYNC_PAGE_WRITERS',
            positiveInt(`use 1 (sequential) to ${PAGE_WRITERS.max}`).max(PAGE_WRITERS.max, {
              error: `must be at most ${PAGE_WRITERS.max} (the most pages of a slice written at once); use 1 to ${PAGE_WRITERS.max}`,
            }),
            env.SEI_SYNC_PAGE_WRITERS,
            1,
          ),
    pagesInHand:
      env.SEI_SYNC_PAGES_IN_HAND === undefined || env.SEI_SYNC_PAGES_IN_HAND === ''
        ? undefined
        : parseWith(
            'SEI_SYNC_PAGES_IN_HAND',
            positiveInt('use e.g. 20').max(PAGES_IN_HAND.max, {
              error: `must be at most ${PAGES_IN_HAND.max}; use e.g. 20`,
            }),
            env.SEI_SYNC_PAGES_IN_HAND,
            1,
          ),
    workStealing: parseWith(
      'SEI_SYNC_WORK_STEALING',
      trueOrFalse,
      env.SEI_SYNC_WORK_STEALING,
      env.SEI_SYNC_CLOCK ? false : DEFAULTS.workStealing,
    ),
    logLevel: parseWith(
      'LOG_LEVEL',
      z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }),
      env.LOG_LEVEL,
      DEFAULTS.logLevel,
    ),
    dora: {
      trailingDays: parseWith(
        'SEI_DORA_TRAILING_DAYS',
        positiveInt('give days, e.g. 90'),
        env.SEI_DORA_TRAILING_DAYS,
        DORA_DEFAULTS.trailingDays,
      ),
      rollingDays: parseWith(
        'SEI_DORA_ROLLING_DAYS',
        positiveInt('give days, e.g. 30'),
        env.SEI_DORA_ROLLING_DAYS,
        DORA_DEFAULTS.rollingDays,
      ),
    },
    scope: {
      startDate: env.SEI_START_DATE ? parseStartDate(env.SEI_START_DATE, 'SEI_START_DATE') : undefined,
      integrationIds: env.SEI_INTEGRATION_IDS
        ? parseIntegrationIds(env.SEI_INTEGRATION_IDS, 'SEI_INTEGRATION_IDS')
        : undefined,
    },
    clock: env.SEI_SYNC_CLOCK ? parseClock(env.SEI_SYNC_CLOCK, 'SEI_SYNC_CLOCK') : undefined,
  };
}

/** A comma list of `allowed` words (any case), or the fallback when unset. */
function wordList<T extends string>(
  variable: string,
  raw: string | undefined,
  allowed: readonly T[],
  fallback: readonly T[],
): readonly T[] {
  if (raw === undefined || raw.trim() === '') return fallback;
  const words = raw
    .split(',')
    .map((word) => word.trim())
    .filter((word) => word !== '');
  const picked = words.map((word) => allowed.find((a) => a.toLowerCase() === word.toLowerCase()));
  const bad = words.filter((_, n) => picked[n] === undefined);
  if (bad.length > 0 || words.length === 0)
    throw new ConfigError(
      variable,
      `"${bad.join('", "')}" not among ${allowed.join(', ')}; give a comma list of them`,
    );
  return [...new Set(picked as T[])];
}

const names = (raw: string | undefined) =>
  raw === undefined || raw.trim() === ''
    ? undefined
    : [
        ...new Set(
          raw
            .split(',')
            .map((name) => name.trim())
            .filter((name) => name !== ''),
        ),
      ];

/** SEI 2.0 settings, when SEI_V2_ACCOUNT is set (then SEI_V2_ORG and SEI_V2_PROJECT are required). */
function loadV2Settings(env: Env, v1BaseUrl: string, v1Key: string | undefined): V2Settings | undefined {
  const account = env.SEI_V2_ACCOUNT?.trim();
  if (!account) return undefined;
  const required = (variable: string) => {
    const value = env[variable]?.trim();
    if (!value)
      throw new ConfigError(
        variable,
        'is required with SEI_V2_ACCOUNT: give the organization and project identifiers of the SEI 2.0 project (Harness → project settings)',
      );
    return value;
  };
  const key = readSecretVariable(env, 'SEI_V2_API_KEY') ?? v1Key;
  if (key !== undefined && /\s/.test(key))
    throw new ConfigError('SEI_V2_API_KEY', 'contains white space; paste the key alone, without "ApiKey"');
  const baseUrl =
    env.SEI_V2_BASE_URL && env.SEI_V2_BASE_URL.trim() !== ''
      ? resolveBaseUrl({ ...env, SEI_BASE_URL: env.SEI_V2_BASE_URL })
      : v1BaseUrl;
  const single = <T extends string>(variable: string, allowed: readonly T[], fallback: T): T =>
    wordList(variable, env[variable], allowed, [fallback])[0] as T;
  return {
    baseUrl,
    apiKey: key === undefined ? undefined : new Secret(key),
    account,
    orgIdentifier: required('SEI_V2_ORG'),
    projectIdentifier: required('SEI_V2_PROJECT'),
    keyHeader: single('SEI_V2_KEY_HEADER', V2_KEY_HEADERS, V2_DEFAULTS.keyHeader),
    accountPlace: single('SEI_V2_ACCOUNT_IN', V2_ACCOUNT_PLACES, V2_DEFAULTS.accountPlace),
    exportTypes: wordList('SEI_V2_EXPORTS', env.SEI_V2_EXPORTS, V2_EXPORT_TYPES, V2_DEFAULTS.exportTypes),
    orgTrees: names(env.SEI_V2_ORG_TREES),
    teamIds: names(env.SEI_V2_TEAM_IDS),
    granularity: single('SEI_V2_GRANULARITY', V2_GRANULARITIES, V2_DEFAULTS.granularity),
    weeks: parseWith(
      'SEI_V2_WEEKS',
      positiveInt('use e.g. 13').max(520, { error: 'must be at most 520 (ten years)' }),
      env.SEI_V2_WEEKS,
      V2_DEFAULTS.weeks,
    ),
    pollIntervalMs: parseWith(
      'SEI_V2_POLL_MS',
      positiveInt('use e.g. 2000'),
      env.SEI_V2_POLL_MS,
      V2_DEFAULTS.pollIntervalMs,
    ),
    maxPollIntervalMs: V2_DEFAULTS.maxPollIntervalMs,
    exportTimeoutMs: parseWith(
      'SEI_V2_EXPORT_TIMEOUT_MS',
      positiveInt('use e.g. 1800000 (30 minutes)'),
      env.SEI_V2_EXPORT_TIMEOUT_MS,
      V2_DEFAULTS.exportTimeoutMs,
    ),
    pageSize: V2_DEFAULTS.pageSize,
    issueStatuses: names(env.SEI_V2_ISSUE_STATUSES) ?? V2_DEFAULTS.issueStatuses,
    batchRows: V2_DEFAULTS.batchRows,
  };
}
