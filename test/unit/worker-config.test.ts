import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkerConfig, WORKER_DEFAULTS } from '../../src/worker-config.js';

describe('loadWorkerConfig', () => {
  it('defaults to a nightly full run and an hourly incremental run over all streams, in UTC', () => {
    const config = loadWorkerConfig({});
    expect(config.concurrency).toBe(WORKER_DEFAULTS.concurrency);
    expect(config.prefix).toBe('sei-sync');
    expect(config.schedules).toEqual([
      { name: 'full', cron: '0 2 * * *', tz: 'UTC', fullRefresh: true, streams: [] },
      { name: 'incremental', cron: '0 * * * *', tz: 'UTC', fullRefresh: false, streams: [] },
    ]);
    expect(config.ops).toEqual({
      port: 9464,
      host: '0.0.0.0',
      bullBoardEnabled: false,
      bullBoardAuth: undefined,
    });
  });

  it('takes crons, time zone and "off" from the environment', () => {
    const config = loadWorkerConfig({
      SCHEDULE_FULL_CRON: '30 3 * * 0',
      SCHEDULE_INCREMENTAL_CRON: 'off',
      SCHEDULE_TZ: 'Europe/Berlin',
    });
    expect(config.schedules).toEqual([
      { name: 'full', cron: '30 3 * * 0', tz: 'Europe/Berlin', fullRefresh: true, streams: [] },
    ]);
  });

  it('schedules verify with heal only when SCHEDULE_VERIFY_CRON is set, in SCHEDULE_TZ', () => {
    expect(loadWorkerConfig({}).verify).toBeUndefined();
    expect(loadWorkerConfig({ SCHEDULE_VERIFY_CRON: 'off' }).verify).toBeUndefined();
    expect(
      loadWorkerConfig({ SCHEDULE_VERIFY_CRON: '0 4 * * 0', SCHEDULE_TZ: 'Europe/Berlin' }).verify,
    ).toEqual({
      cron: '0 4 * * 0',
      tz: 'Europe/Berlin',
    });
    // The verify's scheduler id is "verify": a sync group of that name would replace it.
    const clash = {
      SCHEDULE_VERIFY_CRON: '0 4 * * 0',
      SEI_SYNC_SCHEDULES: JSON.stringify([{ name: 'verify', cron: '0 * * * *' }]),
    };
    expect(() => loadWorkerConfig(clash)).toThrow(/SEI_SYNC_SCHEDULES.*"verify"/);
    expect(() => loadWorkerConfig({ SCHEDULE_VERIFY_CRON: 'weekly' })).toThrow(/SCHEDULE_VERIFY_CRON/);
  });

  it('reads per-group schedules from SEI_SYNC_SCHEDULES', () => {
    const config = loadWorkerConfig({
      SEI_SYNC_SCHEDULES: JSON.stringify([
        { name: 'jira', cron: '*/15 * * * *', streams: ['jira_issues'] },
        {
          name: 'org',
          cron: '0 4 * * *',
          tz: 'America/New_York',
          fullRefresh: true,
          streams: ['org_users', 'org_units'],
        },
      ]),
    });
    expect(config.schedules).toEqual([
      { name: 'jira', cron: '*/15 * * * *', tz: 'UTC', fullRefresh: false, streams: ['jira_issues'] },
      {
        name: 'org',
        cron: '0 4 * * *',
        tz: 'America/New_York',
        fullRefresh: true,
        streams: ['org_users', 'org_units'],
      },
    ]);
  });

  it('a schedule may name the DORA snapshot streams (a nightly group)', () => {
    const streams = [
      'org_units',
      'workflow_profiles',
      'dora_buckets',
      'dora_snapshots',
      'dora_drilldown',
      'sei_contributors',
    ];
    const config = loadWorkerConfig({
      SEI_SYNC_SCHEDULES: JSON.stringify([{ name: 'dora', cron: '30 2 * * *', streams }]),
    });
    expect(config.schedules).toMatchObject([{ name: 'dora', streams }]);
  });

  it('fails with one line naming the variable', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ WORKER_CONCURRENCY: 'lots' }, /^WORKER_CONCURRENCY: must be a whole number/],
      [{ SCHEDULE_TZ: 'Mars/Olympus' }, /^SCHEDULE_TZ: must be an IANA time zone/],
      [{ SCHEDULE_FULL_CRON: 'nightly' }, /^SCHEDULE_FULL_CRON: must be a cron pattern/],
      [{ SEI_SYNC_SCHEDULES: '[{' }, /^SEI_SYNC_SCHEDULES: is not valid JSON/],
      [
        { SEI_SYNC_SCHEDULES: '[{"name":"x","cron":"0 * * * *","streams":["nope"]}]' },
        /^SEI_SYNC_SCHEDULES: streams must be among/,
      ],
      [{ BULLMQ_PREFIX: 'a:b' }, /^BULLMQ_PREFIX: must be letters/],
      [{ BULL_BOARD_USER: 'ops' }, /^BULL_BOARD_PASSWORD: set both/],
      [{ OPS_PORT: '70000' }, /^OPS_PORT: must be a port/],
    ];
    for (const [env, message] of cases) {
      let thrown: unknown;
      try {
        loadWorkerConfig(env);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(Error);
      expect((thrown as Error).message).toMatch(message);
      expect((thrown as Error).message).not.toContain('\n');
    }
  });

  it('reads the Bull Board password from a file and keeps it secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sei-worker-config-'));
    const file = join(dir, 'password');
    writeFileSync(file, 'board-secret\n');
    const config = loadWorkerConfig({
      BULL_BOARD_ENABLED: 'true',
      BULL_BOARD_USER: 'ops',
      BULL_BOARD_PASSWORD_FILE: file,
    });
    expect(config.ops.bullBoardEnabled).toBe(true);
    expect(config.ops.bullBoardAuth?.user).toBe('ops');
    expect(config.ops.bullBoardAuth?.password.reveal()).toBe('board-secret');
    expect(JSON.stringify(config)).not.toContain('board-secret');
  });
});

describe('numeric worker settings that are not numbers', () => {
  it.each(['WORKER_CONCURRENCY', 'WORKER_SHUTDOWN_TIMEOUT_MS', 'OPS_PORT'])(
    '%s=abc is one line naming the variable, the value and what to give',
    (variable) => {
      expect(() => loadWorkerConfig({ [variable]: 'abc' })).toThrow(
        new RegExp(`^${variable}: must be a whole number; (use|give) .*\\d.* \\(got "abc"\\)$`),
      );
    },
  );
});
