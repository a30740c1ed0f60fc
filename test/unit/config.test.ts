import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS, loadConfig, SEI_ENVIRONMENTS } from '../../src/config.js';
import { STREAM_NAMES } from '../../src/streams/types.js';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    const config = loadConfig({});
    expect(config.sei.baseUrl).toBe(SEI_ENVIRONMENTS.prod2);
    expect(config.sei.authScheme).toBe('APIKEY');
    expect(config.sei.pageSize).toBe(DEFAULTS.pageSize);
    expect(config.sei.apiKey).toBeUndefined();
    expect(config.databaseUrl).toBeUndefined();
  });

  it.each(Object.entries(SEI_ENVIRONMENTS))('maps SEI_ENV=%s to its base URL', (name, url) => {
    expect(loadConfig({ SEI_ENV: name }).sei.baseUrl).toBe(url);
  });

  it('leaves the page writers to the engine unless SEI_SYNC_PAGE_WRITERS says otherwise', () => {
    expect(loadConfig({}).pageWriters).toBeUndefined();
    expect(loadConfig({ SEI_SYNC_PAGE_WRITERS: '1' }).pageWriters).toBe(1);
    expect(loadConfig({ SEI_SYNC_PAGE_WRITERS: '2' }).pageWriters).toBe(2);
    // Only what the engine uses is accepted: 3 would have been taken and silently written as 2.
    expect(configError({ SEI_SYNC_PAGE_WRITERS: '3' }).message).toBe(
      'SEI_SYNC_PAGE_WRITERS: must be at most 2 (the most pages of a slice written at once); use 1 to 2 (got "3")',
    );
  });

  it('leaves the pages in hand to the engine unless SEI_SYNC_PAGES_IN_HAND says otherwise', () => {
    expect(loadConfig({}).pagesInHand).toBeUndefined();
    expect(loadConfig({ SEI_SYNC_PAGES_IN_HAND: '8' }).pagesInHand).toBe(8);
    expect(configError({ SEI_SYNC_PAGES_IN_HAND: '0' }).message).toMatch(/^SEI_SYNC_PAGES_IN_HAND: /);
    expect(configError({ SEI_SYNC_PAGES_IN_HAND: '2000' }).message).toBe(
      'SEI_SYNC_PAGES_IN_HAND: must be at most 1024; use e.g. 20 (got "2000")',
    );
  });

  it('steals work unless SEI_SYNC_WORK_STEALING says not to, or a replay freezes the clock', () => {
    expect(loadConfig({}).workStealing).toBe(true);
    // A replay of a capture holds only the requests captured: a frozen clock walks without stealing.
    expect(loadConfig({ SEI_SYNC_CLOCK: '2026-01-01T00:00:00Z' }).workStealing).toBe(false);
    expect(
      loadConfig({ SEI_SYNC_CLOCK: '2026-01-01T00:00:00Z', SEI_SYNC_WORK_STEALING: 'true' }).workStealing,
    ).toBe(true);
    expect(loadConfig({ SEI_SYNC_WORK_STEALING: 'true' }).workStealing).toBe(true);
    expect(loadConfig({ SEI_SYNC_WORK_STEALING: '0' }).workStealing).toBe(false);
    expect(configError({ SEI_SYNC_WORK_STEALING: 'yes' }).message).toMatch(
      /^SEI_SYNC_WORK_STEALING: must be true or false/,
    );
  });

  it('prefers SEI_BASE_URL and trims the trailing slash', () => {
    expect(loadConfig({ SEI_ENV: 'eu1', SEI_BASE_URL: 'https://sei.example.com/api/' }).sei.baseUrl).toBe(
      'https://sei.example.com/api',
    );
  });

  it('rejects an unknown environment in one line naming the variable', () => {
    const error = configError({ SEI_ENV: 'prod9' });
    expect(error.message).toMatch(/^SEI_ENV: unknown environment "prod9"; use one of prod1, prod2/);
    expect(error.message).not.toContain('\n');
  });

  it('refuses plain http off loopback unless allowed', () => {
    expect(configError({ SEI_BASE_URL: 'http://sei.example.com/api' }).message).toMatch(
      /^SEI_BASE_URL: plain http:\/\/ .*SEI_ALLOW_INSECURE_HTTP=true/,
    );
    expect(
      loadConfig({ SEI_BASE_URL: 'http://sei.example.com/api', SEI_ALLOW_INSECURE_HTTP: 'true' }).sei.baseUrl,
    ).toBe('http://sei.example.com/api');
    expect(loadConfig({ SEI_BASE_URL: 'http://127.0.0.1:8700' }).sei.baseUrl).toBe('http://127.0.0.1:8700');
    expect(loadConfig({ SEI_BASE_URL: 'http://localhost:8700' }).sei.baseUrl).toBe('http://localhost:8700');
  });

  it.each([
    ['SEI_PAGE_SIZE', 'abc', /^SEI_PAGE_SIZE: must be a whole number/],
    ['SEI_PAGE_SIZE', '20000', /^SEI_PAGE_SIZE: must be at most 10000/],
    ['SEI_REQUESTS_PER_MINUTE', '0', /^SEI_REQUESTS_PER_MINUTE: must be greater than 0/],
    ['SEI_TIMEOUT_MS', '-5', /^SEI_TIMEOUT_MS: must be greater than 0/],
    ['SEI_AUTH_SCHEME', 'API KEY', /^SEI_AUTH_SCHEME: must be one word.*"API KEY" can never work/],
    ['SEI_CATEGORIES_PATH', '/v1/org/groups', /^SEI_CATEGORIES_PATH: must be a list route/],
    ['SEI_FORCE_SOURCE_DB', 'maybe', /^SEI_FORCE_SOURCE_DB: must be true or false/],
    ['SEI_MAX_IN_FLIGHT', '100', /^SEI_MAX_IN_FLIGHT: must be at most 64/],
    ['SEI_START_DATE', 'last tuesday', /^SEI_START_DATE: "last tuesday" is not a date; give an ISO date/],
    ['SEI_START_DATE', '2999-01-01', /^SEI_START_DATE: 2999-01-01T00:00:00.000Z is in the future/],
    [
      'SEI_SYNC_CLOCK',
      '2026-12-07',
      /^SEI_SYNC_CLOCK: "2026-12-07" is not an instant; give the "clock" of the capture/,
    ],
    ['SEI_INTEGRATION_IDS', '378,jira', /^SEI_INTEGRATION_IDS: "jira" is not an integration id/],
    ['SEI_INTEGRATION_IDS', ' , ', /^SEI_INTEGRATION_IDS: names no integration/],
    ['DATABASE_URL', 'mysql://x', /^DATABASE_URL: must start with postgres/],
    ['LOG_LEVEL', 'loud', /^LOG_LEVEL: must be one of/],
  ])('rejects %s=%s with a one-line fix', (variable, value, pattern) => {
    const error = configError({ [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(pattern);
    expect(error.message).not.toContain('\n');
  });

  it('reads the sync scope: a backfill horizon and an integration selection', () => {
    expect(loadConfig({}).scope).toEqual({ startDate: undefined, integrationIds: undefined });
    const scope = loadConfig({ SEI_START_DATE: '2024-01-01', SEI_INTEGRATION_IDS: '378, 379,378' }).scope;
    expect(scope.startDate?.toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(scope.integrationIds).toEqual(['378', '379']);
    expect(loadConfig({ SEI_START_DATE: '2024-03-05T10:00:00+02:00' }).scope.startDate?.toISOString()).toBe(
      '2024-03-05T08:00:00.000Z',
    );
  });

  it('freezes the clock only when SEI_SYNC_CLOCK says so (replaying a capture)', () => {
    expect(loadConfig({}).clock).toBeUndefined();
    expect(loadConfig({ SEI_SYNC_CLOCK: '2026-12-07T02:44:42.000Z' }).clock?.getTime()).toBe(
      Date.parse('2026-12-07T02:44:42.000Z'),
    );
  });

  it('reads the default streams from SEI_STREAMS (every stream when unset), in registry order', () => {
    expect(loadConfig({}).streams).toEqual(STREAM_NAMES);
    expect(loadConfig({ SEI_STREAMS: ' ' }).streams).toEqual(STREAM_NAMES);
    expect(loadConfig({ SEI_STREAMS: 'pagerduty_incidents, jira_issues,jira_issues' }).streams).toEqual([
      'jira_issues',
      'pagerduty_incidents',
    ]);
    expect(configError({ SEI_STREAMS: 'jira_issues,pagerduty' }).message).toMatch(
      /^SEI_STREAMS: unknown stream: pagerduty \(valid: integrations, /,
    );
  });

  it('reads the server-fidelity settings', () => {
    const config = loadConfig({
      SEI_CATEGORIES_PATH: 'v1/org/categories/list',
      SEI_FORCE_SOURCE_DB: 'false',
    });
    expect(config.sei.categoriesPath).toBe('/v1/org/categories/list');
    expect(config.sei.forceDatabaseSource).toBe(false);
    expect(loadConfig({}).sei).toMatchObject({
      categoriesPath: undefined,
      forceDatabaseSource: true,
      maxInFlight: 16,
    });
  });

  it('reads the key from SEI_API_KEY_FILE and never prints it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sei-config-'));
    const file = join(dir, 'key');
    writeFileSync(file, 'sekret-key-value\n');
    const config = loadConfig({ SEI_API_KEY_FILE: file });
    expect(config.sei.apiKey?.reveal()).toBe('sekret-key-value');
    const printed = [String(config.sei.apiKey), JSON.stringify(config), inspect(config, { depth: 10 })].join(
      ' ',
    );
    expect(printed).not.toContain('sekret-key-value');
  });

  it('names the file variable when the secret file is missing', () => {
    expect(configError({ SEI_API_KEY_FILE: '/nonexistent/key' }).message).toMatch(
      /^SEI_API_KEY_FILE: cannot read \/nonexistent\/key \(ENOENT\)/,
    );
  });
});

describe('input that is not what a setting expects', () => {
  it.each([
    'SEI_PAGE_SIZE',
    'SEI_TIMEOUT_MS',
    'SEI_REQUESTS_PER_MINUTE',
    'SEI_MAX_ATTEMPTS',
    'SEI_MAX_PAGES',
    'SEI_MAX_IN_FLIGHT',
    'SEI_LOOKBACK_SECONDS',
    'SEI_SYNC_PAGE_WRITERS',
  ])('%s=abc is one line naming the variable, the value and what to give', (variable) => {
    const { message } = configError({ [variable]: 'abc' });
    expect(message).toMatch(
      new RegExp(`^${variable}: must be a whole number; (use|give) .*\\d.* \\(got "abc"\\)$`),
    );
    expect(message).not.toMatch(/NaN|expected number/);
  });

  it.each(['2024-02-31', '2023-02-29', '2024-04-31T00:00:00Z', '2024-13-01'])(
    'SEI_START_DATE=%s is refused: not a day of the calendar',
    (date) => {
      expect(configError({ SEI_START_DATE: date }).message).toBe(
        `SEI_START_DATE: "${date}" is not a date; give an ISO date such as 2024-01-01 or 2024-01-01T00:00:00Z`,
      );
    },
  );

  it('a leap day and an instant with an offset are real dates', () => {
    expect(loadConfig({ SEI_START_DATE: '2024-02-29' }).scope.startDate?.toISOString()).toBe(
      '2024-02-29T00:00:00.000Z',
    );
    expect(loadConfig({ SEI_START_DATE: '2024-02-29T23:00:00-05:00' }).scope.startDate?.toISOString()).toBe(
      '2024-03-01T04:00:00.000Z',
    );
  });
});
