/**
 * The shipped monitoring files refer only to what exists: every metric name in the alert rules and
 * the operations dashboard is exported by a worker (our registry, BullMQ's own export, or Prometheus'
 * `up`); every query of the BI dashboard runs on a migrated warehouse (so its sei_bi views and columns
 * exist); the compose profile mounts files that are there, and the dashboards use its datasources.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createMetrics } from '../../../src/observability/metrics.js';
import {
  alertRules,
  biViewNames,
  DASHBOARD_FILES,
  dashboard,
  dashboardQueries,
  expandGrafanaSql,
  promqlMetricNames,
  REPO_ROOT,
} from '../../support/monitoring-files.js';
import {
  createTestDatabase,
  type TestDatabase,
  testQueuePrefix,
  testRedisUrl,
} from '../../support/services.js';

const PROMETHEUS_UID = 'sei-sync-prometheus';
const WAREHOUSE_UID = 'sei-sync-warehouse';

/** Sample names of one exposition: `name{labels} value` and `name value` lines. */
function exposedNames(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => /^[a-zA-Z_:][\w:]*/.exec(line)![0]);
}

describe('monitoring files', () => {
  let exported: Set<string>;
  let database: TestDatabase;
  let client: pg.Client;
  beforeAll(async () => {
    const metrics = createMetrics({ streams: ['jira_issues'] });
    metrics.jobDuration.observe({ queue: 'q', name: 'n', outcome: 'completed' }, 1);
    metrics.lastSuccess.set({ stream: 'jira_issues' }, 1);
    metrics.recordVerify({ stream: 'jira_issues', status: 'clean', buckets: [] });
    const connection = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    const queue = new Queue('monitoring-names', { connection, prefix: testQueuePrefix() });
    try {
      metrics.observeQueues([queue]);
      // `up` is Prometheus' own, for every scrape target.
      exported = new Set(['up', ...exposedNames(await metrics.scrape())]);
    } finally {
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      connection.disconnect();
    }
    database = await createTestDatabase('sei_test', { migrated: true });
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  it('finds metric names the way Prometheus reads PromQL', () => {
    expect(
      promqlMetricNames(
        'histogram_quantile(0.95, sum by (le, queue) (rate(a_bucket{stream=~"$stream", x="by(y)"}[$__rate_interval]))) / on (q) group_left (r) b_total offset 5m or vector(0)',
      ),
    ).toEqual(['a_bucket', 'b_total']);
    expect(promqlMetricNames('label_values(sei_sync_rows_total, stream)')).toEqual(['sei_sync_rows_total']);
  });

  it('alert rules and the operations dashboard use only metrics a worker exports', () => {
    const used = [
      ...alertRules().map((rule) => ({ where: `alerts.yml / ${rule.alert}`, text: rule.expr })),
      ...DASHBOARD_FILES.flatMap((file) => dashboardQueries(dashboard(file))).filter(
        (query) => query.datasource === PROMETHEUS_UID,
      ),
    ];
    expect(used.length).toBeGreaterThan(20);
    const unknown = used.flatMap(({ where, text }) =>
      promqlMetricNames(text)
        .filter((name) => !exported.has(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });

  it('every BI dashboard query runs on a migrated warehouse; every sei_bi view named exists', async () => {
    const views = new Set(
      (
        await client.query(`SELECT table_name FROM information_schema.views WHERE table_schema = 'sei_bi'`)
      ).rows.map((row: { table_name: string }) => row.table_name),
    );
    const texts = [
      ...DASHBOARD_FILES.flatMap((file) => dashboardQueries(dashboard(file))),
      ...alertRules().flatMap((rule) =>
        Object.values(rule.annotations ?? {}).map((text) => ({ where: `alerts.yml / ${rule.alert}`, text })),
      ),
    ];
    const missing = texts.flatMap(({ where, text }) =>
      biViewNames(text)
        .filter((view) => !views.has(view))
        .map((view) => `${where}: sei_bi.${view}`),
    );
    expect(missing).toEqual([]);

    const sql = dashboardQueries(dashboard('sei-sync-bi.json')).filter(
      (query) => query.datasource === WAREHOUSE_UID,
    );
    expect(sql.length).toBeGreaterThan(10);
    const failures: string[] = [];
    for (const { where, text } of sql) {
      try {
        await client.query(expandGrafanaSql(text, { environment: "'prod','(none)'" }));
      } catch (error) {
        failures.push(`${where}: ${(error as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('the compose profile mounts what exists, and the dashboards use its datasources', () => {
    const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { profiles?: string[]; volumes?: string[] }>;
    };
    const monitoring = Object.entries(compose.services).filter(([, service]) =>
      service.profiles?.includes('monitoring'),
    );
    expect(monitoring.map(([name]) => name).sort()).toEqual(['grafana', 'prometheus']);
    for (const [, service] of monitoring)
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('./')) expect(existsSync(join(REPO_ROOT, source)), volume).toBe(true);
      }
    const datasources = parse(
      readFileSync(join(REPO_ROOT, 'deploy/grafana/provisioning/datasources/sei-sync.yml'), 'utf8'),
    ) as { datasources: { uid: string }[] };
    const uids = new Set(datasources.datasources.map((source) => source.uid));
    for (const file of DASHBOARD_FILES)
      for (const query of dashboardQueries(dashboard(file)))
        expect(uids, query.where).toContain(query.datasource);
  });
});
