/**
 * Reads an export request body strictly: each documented required field missing or malformed is a 400
 * that names it (DH marks scope, dateRange.start/end, options.granularity for efficiency, sprint and BA,
 * and metricGroups for efficiency as "Required"; "use either teamId OR orgTreeName (not both)";
 * "orgIdentifier: Required when using orgTreeName").
 */
import { DEFAULT_ISSUE_STATUSES, EXPORT_SPECS, type MetricColumn, ticketColumns } from './columns.js';
import type { V2Org, V2Team } from './org.js';
import { type Granularity, type Period, parseIsoDate, periodsOf } from './periods.js';
import type { ExportType } from './types.js';

export class V2RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** What one export writes: rows per team (and developer) per period, these columns. */
export interface ExportPlan {
  type: ExportType;
  teams: V2Team[];
  developerLevel: boolean;
  /** The value of the CSV's Granularity column. */
  granularity: Granularity;
  periods: Period[];
  columns: MetricColumn[];
  compression: 'gzip' | 'none';
}

const TERMINAL_DATE_COLUMNS = ['issue_resolved_at', 'version_release_date'];

const bad = (message: string) => new V2RequestError(400, message);
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

export function planExport(type: ExportType, body: unknown, org: V2Org): ExportPlan {
  const spec = EXPORT_SPECS[type];
  if (!isObject(body)) throw bad('request body must be a JSON object');
  const options = body.options === undefined ? {} : body.options;
  if (!isObject(options)) throw bad('options must be an object');

  const teams = scopeTeams(body.scope, spec.bothScopesAllowed, org);

  if (!isObject(body.dateRange)) throw bad('dateRange is required');
  const start = dateField(body.dateRange, 'start');
  const end = dateField(body.dateRange, 'end');
  if (start > end) throw bad('dateRange.start must not be after dateRange.end');

  let granularity = readGranularity(options.granularity, spec.granularityRequired, spec.granularities);
  if (type === 'sprint' || (type === 'ticket-data' && lower(options.aggregationLevel) === 'sprint')) {
    granularity = 'SPRINT';
  }

  let columns: MetricColumn[];
  if (type === 'ticket-data') {
    const statuses = body.issueStatuses ?? DEFAULT_ISSUE_STATUSES;
    if (!Array.isArray(statuses) || statuses.length === 0 || !statuses.every(isText)) {
      throw bad('issueStatuses must be a non-empty array of status names');
    }
    const terminal = options.terminalDateColumn;
    if (terminal !== undefined && !TERMINAL_DATE_COLUMNS.includes(String(terminal))) {
      throw bad(`options.terminalDateColumn must be one of ${TERMINAL_DATE_COLUMNS.join(', ')}`);
    }
    columns = ticketColumns(statuses);
  } else {
    columns = metricColumns(type, body);
  }

  const format = options.format ?? 'csv';
  if (lower(format) !== 'csv') throw bad('options.format must be csv');
  const compression = lower(options.compression ?? 'gzip');
  if (compression !== 'gzip' && compression !== 'none') throw bad('options.compression must be gzip or none');

  const level = lower(options.metricLevel ?? options.aggregationLevel);
  return {
    type,
    teams,
    developerLevel: type === 'productivity' && level === 'developer',
    granularity,
    periods: periodsOf(granularity, start, end),
    columns,
    compression,
  };
}

function scopeTeams(scope: unknown, bothAllowed: boolean, org: V2Org): V2Team[] {
  if (!isObject(scope)) throw bad('scope is required');
  const hasTeam = scope.teamId !== undefined && scope.teamId !== null && scope.teamId !== '';
  const hasTree = scope.orgTreeName !== undefined && scope.orgTreeName !== null && scope.orgTreeName !== '';
  if (!hasTeam && !hasTree) throw bad('scope.teamId or scope.orgTreeName is required');
  if (hasTeam && hasTree && !bothAllowed) throw bad('scope: use either teamId or orgTreeName, not both');
  let tree: ReturnType<V2Org['tree']>;
  if (hasTree) {
    tree = org.trees.find((candidate) => candidate.name === scope.orgTreeName);
    if (!tree) throw bad(`scope.orgTreeName: no org tree named ${JSON.stringify(scope.orgTreeName)}`);
    if (!bothAllowed && !isText(scope.orgIdentifier)) {
      throw bad('scope.orgIdentifier is required when using scope.orgTreeName');
    }
  }
  if (!hasTeam) return org.subtree((tree as NonNullable<typeof tree>).rootTeamRefId);
  const team = org.teams.get(Number(scope.teamId));
  if (!team || (tree && team.orgTreeId !== tree.id)) {
    throw bad(`scope.teamId: no team ${JSON.stringify(scope.teamId)}${tree ? ` in ${tree.name}` : ''}`);
  }
  // CHOSEN: a team scope exports the team and every team under it (as the legacy report does).
  return org.subtree(team.refId);
}

function dateField(range: Record<string, unknown>, name: 'start' | 'end'): number {
  if (range[name] === undefined) throw bad(`dateRange.${name} is required`);
  const ms = parseIsoDate(range[name]);
  if (ms === undefined) throw bad(`dateRange.${name} must be a date as yyyy-MM-dd`);
  return ms;
}

function readGranularity(value: unknown, required: boolean, allowed: readonly Granularity[]): Granularity {
  if (value === undefined) {
    if (required) throw bad('options.granularity is required');
    return 'WEEKLY';
  }
  // Case varies between the pages (MONTHLY, monthly): accept either.
  const upper = String(value).toUpperCase() as Granularity;
  if (!allowed.includes(upper)) throw bad(`options.granularity must be one of ${allowed.join(', ')}`);
  return upper;
}

/** The columns of the asked groups, narrowed to `metrics` (sprint's example says `metric`) when given. */
function metricColumns(type: ExportType, body: Record<string, unknown>): MetricColumn[] {
  const spec = EXPORT_SPECS[type];
  const known = Object.keys(spec.groups);
  let groups = known;
  if (body.metricGroups === undefined) {
    if (spec.metricGroupsRequired) throw bad('metricGroups is required');
  } else {
    if (
      !Array.isArray(body.metricGroups) ||
      body.metricGroups.length === 0 ||
      !body.metricGroups.every(isText)
    ) {
      throw bad('metricGroups must be a non-empty array of group names');
    }
    groups = body.metricGroups.map((group: string) => {
      const key = spec.groupAliases[lower(group)] ?? lower(group);
      if (!known.includes(key))
        throw bad(`metricGroups: unknown group ${group} (known: ${known.join(', ')})`);
      return key;
    });
  }
  let columns = [...new Set(groups)].flatMap((group) => spec.groups[group] ?? []);
  const metrics = body.metrics ?? body.metric;
  if (metrics !== undefined) {
    if (!Array.isArray(metrics) || !metrics.every(isText))
      throw bad('metrics must be an array of metric names');
    const wanted = new Set(metrics.map(lower));
    const all = Object.values(spec.groups).flat();
    for (const name of wanted) {
      if (!all.some((column) => lower(column.name) === name)) throw bad(`metrics: unknown metric ${name}`);
    }
    columns = columns.filter((column) => wanted.has(lower(column.name)));
  }
  return columns;
}

function lower(value: unknown): string {
  return typeof value === 'string' ? value.toLowerCase() : '';
}
