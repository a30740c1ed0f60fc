/**
 * What the shipped monitoring files use: metric names in PromQL (alert rules, the operations
 * dashboard), SQL of the BI dashboard, and the `sei_bi` views either names. Read from the files as
 * shipped, so the tests check what Prometheus and Grafana will load.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const DEPLOY_DIR = fileURLToPath(new URL('../../deploy/', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface AlertRule {
  alert: string;
  expr: string;
  annotations?: Record<string, string>;
}

export function alertRules(): AlertRule[] {
  const file = parse(readFileSync(`${DEPLOY_DIR}prometheus/alerts.yml`, 'utf8')) as {
    groups: { rules: AlertRule[] }[];
  };
  return file.groups.flatMap((group) => group.rules);
}

interface Target {
  expr?: string;
  rawSql?: string;
}
interface Panel {
  title: string;
  datasource?: { uid: string };
  targets?: Target[];
  panels?: Panel[];
}
export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; datasource: { uid: string }; query: string | { query: string } }[] };
}

export function dashboard(file: string): Dashboard {
  return JSON.parse(readFileSync(`${DEPLOY_DIR}grafana/dashboards/${file}`, 'utf8')) as Dashboard;
}

export const DASHBOARD_FILES = ['sei-sync-operations.json', 'sei-sync-bi.json'] as const;

/** Every query of a dashboard (panel targets and template variables), with where it comes from. */
export function dashboardQueries(board: Dashboard): { where: string; datasource: string; text: string }[] {
  const panels = board.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
  return [
    ...panels.flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({
        where: `${board.uid} / ${panel.title}`,
        datasource: panel.datasource?.uid ?? '',
        text: target.expr ?? target.rawSql ?? '',
      })),
    ),
    ...board.templating.list.map((variable) => ({
      where: `${board.uid} / $${variable.name}`,
      datasource: variable.datasource.uid,
      text: typeof variable.query === 'string' ? variable.query : variable.query.query,
    })),
  ];
}

const PROMQL_KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
]);

/**
 * Metric names in a PromQL expression (or a Grafana `label_values(metric, label)` query): identifiers
 * that are not functions, keywords, label names, strings, durations or Grafana variables.
 */
export function promqlMetricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ')
    .replace(/label_values\(\s*([a-zA-Z_:][\w:]*)\s*,[^)]*\)/g, ' $1 ');
  const names = new Set<string>();
  // Not preceded by a word character: the `m` of `5m` and the `e3` of `1e3` are not names.
  for (const match of stripped.matchAll(/(?<![\w:.])[a-zA-Z_:][\w:]*/g)) {
    const name = match[0];
    const next = stripped.slice((match.index ?? 0) + name.length).trimStart();
    if (next.startsWith('(') || PROMQL_KEYWORDS.has(name)) continue;
    names.add(name);
  }
  return [...names];
}

/** `sei_bi.<view>` names a text mentions. */
export function biViewNames(text: string): string[] {
  return [...new Set([...text.matchAll(/\bsei_bi\.(\w+)/g)].map((match) => match[1]!))];
}

/** A time range and variable values in the form Grafana sends, for running a dashboard's SQL as is. */
export function expandGrafanaSql(sql: string, variables: Record<string, string>): string {
  const from = "'2024-01-01T00:00:00Z'";
  const to = "'2026-01-01T00:00:00Z'";
  const expanded = sql
    .replace(/\$__timeFilter\(([^)]*)\)/g, `$1 BETWEEN ${from} AND ${to}`)
    .replace(/\$__timeFrom\(\)/g, from)
    .replace(/\$__timeTo\(\)/g, to)
    .replace(/\$(\w+)/g, (whole, name: string) => variables[name] ?? whole);
  if (expanded.includes('$')) throw new Error(`unexpanded macro or variable in: ${expanded}`);
  return expanded;
}
