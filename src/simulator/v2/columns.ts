/**
 * What each export type accepts and the CSV it writes.
 *
 * DOCUMENTED (DH export pages): the metric groups per type, the granularities, which request fields are
 * "Required", the status case (productivity lower case), and the BA header's start
 * `Granularity,Team,Team_Hierarchy,Start_Date,End_Date,KTLO_story_points,KTLO_tickets,...`.
 * CHOSEN: every other column name (documented metric names where the docs give some: PR_Merged,
 * Work_Completed, Sprint_Commit, Total_Work_Delivered, Churn_Rate...), the developer and sprint columns,
 * the value ranges, and which types answer `downloadUrl` versus `download{...}`.
 */
import { hash32, unit } from '../random.js';
import type { Granularity } from './periods.js';
import type { ExportType } from './types.js';

export type MetricKind = 'count' | 'points' | 'hours' | 'days' | 'percent' | 'rating';
export interface MetricColumn {
  name: string;
  kind: MetricKind;
}

export interface ExportTypeSpec {
  /** Metric group → its columns. Keys compared case-insensitively. */
  groups: Record<string, readonly MetricColumn[]>;
  /** Other names the docs use for a group (`df` in an efficiency example). */
  groupAliases: Record<string, string>;
  metricGroupsRequired: boolean;
  granularityRequired: boolean;
  granularities: readonly Granularity[];
  /** Productivity's example sends `orgTreeName` and `teamId` together; the others say "not both". */
  bothScopesAllowed: boolean;
  lowerCaseStatus: boolean;
  /** How a completed job points at its file. */
  download: 'downloadUrl' | 'object';
  /** Where it is polled and downloaded (the sprint export is created at `sprint`, polled at `sprints`). */
  pollSegment: string;
}

const m = (name: string, kind: MetricKind): MetricColumn => ({ name, kind });
const CALENDAR: readonly Granularity[] = ['WEEKLY', 'MONTHLY', 'QUARTERLY'];

/** Business alignment categories (DH: KTLO, New Capability, Quality Improvements, Security and Compliance). */
const BA_CATEGORIES = ['KTLO', 'New_Capability', 'Quality_Improvements', 'Security_and_Compliance'];

export const EXPORT_SPECS: Record<ExportType, ExportTypeSpec> = {
  efficiency: {
    groups: {
      lttc: [m('Lead_Time_For_Changes_Hours', 'hours')],
      work_items: [m('Work_Items_Completed', 'count')],
      deployment_frequency: [m('Deployment_Frequency', 'count'), m('Deployments', 'count')],
      cfr: [m('Change_Failure_Rate_Percent', 'percent'), m('Failed_Deployments', 'count')],
      mttr: [m('MTTR_Hours', 'hours')],
      rating: [m('DORA_Rating', 'rating')],
    },
    groupAliases: { df: 'deployment_frequency' },
    metricGroupsRequired: true,
    granularityRequired: true,
    granularities: CALENDAR,
    bothScopesAllowed: false,
    lowerCaseStatus: false,
    download: 'object',
    pollSegment: 'efficiency',
  },
  productivity: {
    groups: {
      activity: [m('Coding_Days', 'count'), m('Commits', 'count')],
      velocity: [m('PR_Velocity', 'count'), m('PR_Cycle_Time_Hours', 'hours')],
      volume: [m('PR_Merged', 'count'), m('Work_Completed', 'count')],
      quality: [m('Rework_Percent', 'percent')],
      collaboration: [m('PR_Reviews', 'count'), m('PR_Comments', 'count')],
    },
    groupAliases: {},
    metricGroupsRequired: false,
    granularityRequired: false,
    granularities: CALENDAR,
    bothScopesAllowed: true,
    lowerCaseStatus: true,
    download: 'downloadUrl',
    pollSegment: 'productivity',
  },
  sprint: {
    groups: {
      work: [m('Sprint_Commit', 'points'), m('Sprint_Creep', 'points'), m('Sprint_Size', 'points')],
      delivery: [m('Total_Work_Delivered', 'points'), m('Commit_Done_Percent', 'percent')],
      deliveryanalysis: [m('Delivered_Tickets', 'count')],
      analysis: [m('Churn_Rate', 'percent'), m('Scope_Creep_Percent', 'percent')],
    },
    groupAliases: {},
    metricGroupsRequired: false,
    granularityRequired: true,
    granularities: [...CALENDAR, 'SPRINT'],
    bothScopesAllowed: false,
    lowerCaseStatus: false,
    download: 'object',
    pollSegment: 'sprints',
  },
  ba: {
    groups: {
      categorized: BA_CATEGORIES.flatMap((c) => [
        m(`${c}_story_points`, 'points'),
        m(`${c}_tickets`, 'count'),
      ]),
      uncategorized: [m('Uncategorized_story_points', 'points'), m('Uncategorized_tickets', 'count')],
    },
    groupAliases: {},
    metricGroupsRequired: false,
    granularityRequired: true,
    granularities: CALENDAR,
    bothScopesAllowed: false,
    lowerCaseStatus: false,
    download: 'object',
    pollSegment: 'ba',
  },
  'ticket-data': {
    // Columns come from `issueStatuses` (see ticketColumns).
    groups: {},
    groupAliases: {},
    metricGroupsRequired: false,
    granularityRequired: false,
    granularities: ['DAILY', ...CALENDAR],
    bothScopesAllowed: false,
    lowerCaseStatus: false,
    download: 'object',
    pollSegment: 'ticket-data',
  },
};

/** DH's example statuses, used when the request names none. */
export const DEFAULT_ISSUE_STATUSES = ['In Progress', 'In Review', 'QA', 'Done'];

export function ticketColumns(statuses: readonly string[]): MetricColumn[] {
  return [
    m('Issues', 'count'),
    ...statuses.map((status) => m(`Time_In_${status.replace(/[^A-Za-z0-9]+/g, '_')}_Days`, 'days')),
  ];
}

const RATINGS = ['Elite', 'High', 'Medium', 'Low'];

/**
 * The value of one cell: a function of the seed and the cell's coordinates only, so a test can know it
 * and a restated period (a new `revision`) changes while the others stay.
 */
export function metricValue(
  coordinates: {
    seed: number;
    type: ExportType;
    teamRefId: number;
    developerRefId?: string;
    periodStart: string;
  },
  column: MetricColumn,
  revision: number,
): string {
  const day = Math.floor(Date.parse(`${coordinates.periodStart}T00:00:00Z`) / 86_400_000);
  let nameHash = 0;
  for (let k = 0; k < column.name.length; k++) nameHash = hash32(nameHash, column.name.charCodeAt(k));
  const typeHash = hash32(
    coordinates.type.length,
    coordinates.type.charCodeAt(0),
    coordinates.type.charCodeAt(1),
  );
  const x = unit(
    coordinates.seed,
    typeHash,
    coordinates.teamRefId,
    Number(coordinates.developerRefId ?? 0),
    day,
    nameHash,
    revision,
  );
  switch (column.kind) {
    case 'count':
      return String(Math.floor(x * 41));
    case 'points':
      return String(Math.floor(x * 81));
    case 'hours':
      return (x * 240).toFixed(2);
    case 'days':
      return (x * 20).toFixed(2);
    case 'percent':
      return (x * 100).toFixed(2);
    case 'rating':
      return RATINGS[Math.floor(x * RATINGS.length)] as string;
  }
}

/** RFC 4180 quoting, only where needed. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
