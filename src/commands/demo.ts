import type { Command } from 'commander';
import { CompiledQuery } from 'kysely';
import { loadConfig } from '../config.js';
import { createLogger } from '../observability/logger.js';
import { DEFAULT_DATASET_END_SECONDS, startSimulator } from '../simulator/index.js';
import type { Warehouse } from '../state/index.js';
import { migrateToLatest } from '../state/index.js';
import { allTableNames } from '../streams/registry.js';
import { ALL_STREAM_NAMES, STREAM_NAMES } from '../streams/types.js';
import { createSyncEngineFromConfig, runSync } from '../sync/index.js';
import { withWarehouse } from './open-warehouse.js';
import { createProgressReporter } from './progress.js';
import { runAction } from './run-action.js';
import { syncSummaryTable, totalRecordsPerSecond } from './sync-summary.js';
import { type Cell, textTable } from './text-table.js';

export const DEMO_DEFAULTS = { records: 2000 } as const;

interface DemoOptions {
  records: string;
  changes: string;
  seed: string;
  hostile: string;
}

/** BI-style questions answered from the views of `sei_bi` (see docs/bi-views.md). */
const DEMO_QUERIES: { title: string; sql: string }[] = [
  {
    title: 'Freshness per stream',
    sql: `SELECT stream, last_status, last_records, last_inserted, last_updated, last_deleted, hours_since_success FROM sei_bi.data_freshness ORDER BY stream`,
  },
  {
    title: 'Pull-request cycle time by month (latest 4)',
    sql: `SELECT * FROM sei_bi.pr_cycle_time_monthly ORDER BY 1 DESC LIMIT 4`,
  },
  {
    title: 'Jira lead time by month (latest 4)',
    sql: `SELECT * FROM sei_bi.jira_lead_time_monthly ORDER BY 1 DESC LIMIT 4`,
  },
  {
    title: 'Deployments and change failure rate by month (latest 4)',
    sql: `SELECT * FROM sei_bi.deployment_metrics_monthly ORDER BY 1 DESC LIMIT 4`,
  },
  {
    title: 'Most active contributors (latest month)',
    sql: `SELECT month, contributor, commits, commit_lines_added, prs_opened, prs_merged FROM sei_bi.contributor_activity_monthly ORDER BY month DESC, commits DESC LIMIT 5`,
  },
  {
    title: 'Sprint velocity: commitment vs. completion (latest closed sprints, Jira and Azure DevOps)',
    sql: `SELECT source, sprint_name, completed_at, committed_points, added_points, completed_points, commitment_completion_ratio FROM sei_bi.sprint_velocity WHERE state IN ('CLOSED', 'past') ORDER BY completed_at DESC, source LIMIT 4`,
  },
  {
    title: 'Incidents and MTTR by service (latest month)',
    sql: `SELECT month, service, incidents, high_urgency, mean_minutes_to_acknowledge, mttr_hours FROM sei_bi.incident_metrics_monthly WHERE month = (SELECT max(month) FROM sei_bi.incident_metrics_monthly) ORDER BY incidents DESC`,
  },
  {
    title: 'SEI 2.0: DORA per team, latest week (export jobs, sei_bi.v2_dora)',
    sql: `SELECT period_start, team_hierarchy, deployment_frequency, lead_time_for_changes_hours, change_failure_rate_percent, mttr_hours, dora_rating FROM sei_bi.v2_dora WHERE period_start = (SELECT max(period_start) FROM sei_bi.v2_dora) ORDER BY team_hierarchy LIMIT 5`,
  },
  {
    title: 'Flakiest tests by job',
    sql: `SELECT job_name, test_name, executions, failure_rate, flips FROM sei_bi.flaky_tests WHERE is_flaky ORDER BY flips DESC, test_name LIMIT 4`,
  },
  {
    title: 'Identities resolved to people, per tool',
    sql: `SELECT application, count(*) AS identities, count(org_user_key) AS resolved, count(*) FILTER (WHERE matched_by = 'email') AS by_email FROM sei_bi.identities GROUP BY 1 ORDER BY 1`,
  },
  {
    title: 'Jira custom fields by name',
    sql: `SELECT field_name, field_type, count(*) AS issues FROM sei_bi.jira_issue_custom_fields GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 4`,
  },
];

/**
 * After `--changes`: the versions of a few Jira issues this run changed, as `sei_history` keeps them
 * (the version the first demo stored, closed at this run, and the one that replaced it or its deletion).
 */
/** SEI's own DORA for the collection with the most deployments, beside the warehouse's own count. */
const DORA_QUERY = {
  title: "SEI's DORA beside the warehouse's own, by month (the collection with the most deployments)",
  sql: `SELECT collection_id, collection_name, metric, source, date_trunc('month', day)::date AS month,
  sum(sei_count) AS sei, sum(own_count) AS warehouse, sum(difference) AS difference
FROM sei_bi.sei_dora_side_by_side
WHERE collection_id = (SELECT collection_id FROM sei.dora_buckets WHERE metric = 'deployment_frequency'
  GROUP BY 1 ORDER BY sum(count) DESC, 1 LIMIT 1)
GROUP BY 1, 2, 3, 4, 5 ORDER BY 3, 5`,
};

const HISTORY_QUERY = {
  title:
    'History of changed Jira issues (sei_history.jira_issues; sei_history.jira_issues_as_of(ts) gives any instant)',
  sql: `SELECT integration_id, issue_key, valid_from, valid_to, deleted, raw->>'status' AS status FROM sei_history.jira_issues
WHERE (integration_id, issue_key) IN (
  SELECT integration_id, issue_key FROM sei_history.jira_issues GROUP BY 1, 2 HAVING count(*) > 1 OR bool_or(deleted) ORDER BY 1, 2 LIMIT 4)
ORDER BY integration_id, issue_key, valid_from`,
};

/** The `sei` tables without a row, if any: the demo fills every one. */
async function emptyTables(warehouse: Warehouse): Promise<string[]> {
  const empty: string[] = [];
  for (const table of allTableNames()) {
    const result = await warehouse.db.executeQuery<{ any: boolean }>(
      CompiledQuery.raw(`SELECT EXISTS (SELECT 1 FROM sei.${table}) AS any`),
    );
    if (result.rows[0]?.any !== true) empty.push(table);
  }
  return empty;
}

function formatCell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString().replace('.000Z', 'Z');
  if (typeof value === 'number') return Math.round(value * 100) / 100;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

async function printQuery(warehouse: Warehouse, title: string, sql: string): Promise<void> {
  try {
    const result = await warehouse.db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(sql));
    const headers = result.rows[0] ? Object.keys(result.rows[0]) : [];
    process.stdout.write(`\n${title}\n`);
    process.stdout.write(
      result.rows.length === 0
        ? '(no rows)\n'
        : `${textTable(
            headers,
            result.rows.map((row) => headers.map((h) => formatCell(row[h]))),
          )}\n`,
    );
  } catch (error) {
    process.stdout.write(`\n${title}: ${(error as Error).message.split('\n')[0]}\n`);
  }
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'sync a simulated SEI tenant into DATABASE_URL or the embedded database, then show what BI sees',
    )
    .option(
      '--records <n>',
      'records in each large stream of the simulated tenant',
      String(DEMO_DEFAULTS.records),
    )
    .option(
      '--changes <percent>',
      'first change this percentage of the simulated records (updates, inserts, deletes)',
      '0',
    )
    .option('--seed <n>', 'dataset seed', '1')
    .option(
      '--hostile <fraction>',
      'share of the simulated records with a hostile value (NUL, lone surrogate, absurd instant, bad key, ...)',
      '0',
    )
    .action(
      runAction(async (options: DemoOptions) => {
        const records = Number(options.records);
        const changes = Number(options.changes);
        if (!Number.isInteger(records) || records < 1)
          throw new Error('--records must be a whole number of at least 1');
        if (!(changes >= 0 && changes <= 100))
          throw new Error('--changes must be a percentage from 0 to 100');
        const hostile = Number(options.hostile);
        if (!(hostile >= 0 && hostile <= 1)) throw new Error('--hostile must be a fraction from 0 to 1');
        const simulator = await startSimulator({ records, seed: Number(options.seed), hostile });
        try {
          if (changes > 0) {
            for (const stream of STREAM_NAMES) {
              const count = Math.max(1, Math.round((simulator.dataset.count(stream) * changes) / 100));
              simulator.dataset.mutate(stream, {
                update: count,
                insert: Math.ceil(count / 2),
                delete: Math.ceil(count / 4),
              });
            }
          }
          // The demo talks to its own simulator whatever SEI_* says; the database comes from DATABASE_URL.
          const config = loadConfig({
            ...process.env,
            SEI_BASE_URL: simulator.url,
            SEI_API_KEY: simulator.adminKey,
            SEI_ENV: '',
            // A 2.0 tenant too, served by the same simulator (docs/sei-v2.md).
            SEI_V2_ACCOUNT: 'sim-account',
            SEI_V2_ORG: 'default',
            SEI_V2_PROJECT: 'sim_project',
            SEI_V2_BASE_URL: `${simulator.url}/gateway/sei/api`,
            SEI_V2_API_KEY: simulator.adminKey,
            SEI_V2_POLL_MS: '100',
            SEI_STREAMS: '',
          });
          // The simulated records end with 2024: SEI's DORA windows end there too.
          const demoConfig = {
            ...config,
            dora: { ...config.dora, asOf: new Date(DEFAULT_DATASET_END_SECONDS * 1000) },
          };
          const logger = createLogger({ level: process.env.LOG_LEVEL || 'warn' });
          return await withWarehouse(
            config,
            async (warehouse) => {
              process.stdout.write(
                `sei-sync demo: simulated SEI at ${simulator.url} (${records} records per large stream) → ${warehouse.location}\n`,
              );
              await migrateToLatest(warehouse);
              const configured = await createSyncEngineFromConfig(demoConfig, { logger, warehouse });
              const progress = createProgressReporter(ALL_STREAM_NAMES);
              const started = Date.now();
              try {
                const run = await runSync(configured.engine, {
                  streams: ALL_STREAM_NAMES,
                  fullRefresh: false,
                  trigger: 'demo',
                  onProgress: (update) => progress.update(update),
                  onStreamFinished: (result) => progress.done(result.stream, result.status),
                });
                progress.stop();
                const elapsedMs = Date.now() - started;
                process.stdout.write(`\n${syncSummaryTable(run.results)}\n`);
                process.stdout.write(
                  `\nrun ${run.runId}: ${run.status} in ${(elapsedMs / 1000).toFixed(1)} s (${totalRecordsPerSecond(run.results, elapsedMs)} records/s)\n`,
                );
                const empty = await emptyTables(warehouse);
                process.stdout.write(
                  empty.length === 0
                    ? `every one of the ${allTableNames().length} sei tables has rows\n`
                    : `sei tables without rows: ${empty.join(', ')}\n`,
                );
                for (const query of DEMO_QUERIES) await printQuery(warehouse, query.title, query.sql);
                await printQuery(warehouse, DORA_QUERY.title, DORA_QUERY.sql);
                if (changes > 0) await printQuery(warehouse, HISTORY_QUERY.title, HISTORY_QUERY.sql);
                else
                  process.stdout.write(
                    `\nRun it again with --changes 2 to see incremental updates, deletions and history (sei_history.*_as_of).\n`,
                  );
                return run.status === 'succeeded' ? 0 : 1;
              } finally {
                progress.stop();
                await configured.close();
              }
            },
            { syncs: true },
          );
        } finally {
          await simulator.close();
        }
      }),
    );
}
