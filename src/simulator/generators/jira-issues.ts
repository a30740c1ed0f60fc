/**
 * Jira issues shaped like the 100 real records in ../seed/jira-issue-templates.json (which they use
 * as templates): no `id`, `integration_id` as a string, epoch seconds, `0` for unset instants,
 * `ingested_at` at midnight UTC, newest-first `status_list` / `assignee_list` with consistent times.
 */
import type { SeiRecord } from '../../extract/sei/types.js';
import { type Rng, recordRng, unit } from '../random.js';
import templateFile from '../seed/jira-issue-templates.json' with { type: 'json' };
import { JIRA_INTEGRATION_IDS, STREAM_TAGS } from '../universe.js';
import { FIRST_JIRA_SPRINT_ID, jiraSprintCalendar } from './sprints.js';
import {
  BEFORE_1970_ORDINAL,
  bulkInstant,
  type GeneratorContext,
  HISTORY_SECONDS,
  midnightUtcSeconds,
  type StreamGenerator,
} from './types.js';

interface Template {
  summary: string;
  issue_type: string;
  labels: string[];
  custom_fields: Record<string, unknown>;
  desc_size: number;
}

const TEMPLATES: readonly Template[] = (templateFile as { records: Template[] }).records;
const TAG = STREAM_TAGS.jira_issues;
export const JIRA_PROJECTS = ['LEV', 'LFE', 'QUAL', 'ITOPS', 'UXD', 'JAN'] as const;

/** The workflow every issue walks a prefix of; the category is Jira's status category. */
const FLOW = [
  ['BACKLOG', 'To Do'],
  ['SELECTED FOR DEVELOPMENT', 'To Do'],
  ['IN PROGRESS', 'In Progress'],
  ['IN REVIEW', 'In Progress'],
  ['READY FOR PROD', 'In Progress'],
  ['DONE', 'Done'],
] as const;
const PRIORITIES = ['MEDIUM', 'MEDIUM', 'MEDIUM', 'MEDIUM', 'HIGH', 'HIGHEST', 'LOW'] as const;
const LABELS = [
  'jira_escalated',
  'data_integrity_checks',
  'POC',
  'needs_fe',
  'tech_debt',
  'customer',
] as const;
const COMPONENTS = ['ui', 'api', 'ingestion', 'reports', 'auth'] as const;
const SUMMARY_SUFFIXES = ['', '', '', ' (follow-up)', ' on Safari', ' for large tenants', ' after upgrade'];
const STORY_POINTS = [0, 0, 1, 2, 3, 5, 8] as const;

interface StatusEntry {
  status: string;
  issue_key: string;
  integration_id: string;
  end_time: number;
  start_time: number;
  created_at: number;
}
interface AssigneeEntry {
  assignee: string;
  issue_key: string;
  integration_id: string;
  start_time: number;
  end_time: number;
  created_at: number;
}

function categoryOf(status: string): string {
  if (status === 'DONE' || status === 'WONT DO') return 'Done';
  return FLOW.find(([name]) => name === status)?.[1] ?? 'To Do';
}

export function jiraIssuesGenerator(ctx: GeneratorContext): StreamGenerator {
  const key = (o: number) =>
    `${JIRA_PROJECTS[o % JIRA_PROJECTS.length]}-${100 + Math.floor(o / JIRA_PROJECTS.length)}`;
  const integrationId = (o: number) => (o % 7 === 6 ? JIRA_INTEGRATION_IDS[1] : JIRA_INTEGRATION_IDS[0]);
  const createdAt = (o: number, end: number) =>
    end - 3600 - Math.floor(unit(ctx.seed, TAG, o, 1) * HISTORY_SECONDS);
  /** When the issue last changed; its status and assignee histories end there. */
  const changedAt = (o: number, end: number) => {
    const created = createdAt(o, end);
    // A bulk edit (a workflow migration, a label added to hundreds of issues) touches many at once.
    const bulkEdit = bulkInstant(ctx.seed, TAG, o, ctx.sizes.jira_issues, end);
    if (bulkEdit !== undefined && bulkEdit > created + 60) return bulkEdit;
    return created + 60 + Math.floor(unit(ctx.seed, TAG, o, 2) * (end - 3600 - created - 60));
  };
  /** What the list says: one issue carries `-1`, as one does in the SEI server's own test data. */
  const updatedAt = (o: number, end: number) => (o === BEFORE_1970_ORDINAL ? -1 : changedAt(o, end));

  const calendars = new Map(
    JIRA_INTEGRATION_IDS.map((id) => [id as string, jiraSprintCalendar(ctx, id, ctx.endSeconds)]),
  );
  /**
   * The sprints an issue is in, as a team plans them: a resolved issue in the sprint it was resolved
   * in (one in five also in the sprint before, carried over), a recent open one in the active sprint
   * (every other one; the rest stay in the backlog); `[]` when no sprint of the site's calendar
   * applies, as SEI sends it. Deterministic from the record's own times: no random draw moves.
   */
  const sprintIds = (o: number, integration: string, created: number, resolved: number): number[] => {
    const calendar = calendars.get(integration);
    if (calendar === undefined) return [];
    const recentOpen = calendar.at(created) !== undefined && unit(ctx.seed, TAG, o, 5) < 0.5;
    const index = resolved > 0 ? calendar.at(resolved) : recentOpen ? calendar.count - 2 : undefined;
    if (index === undefined || created >= calendar.end(index)) return [];
    const carried =
      resolved > 0 && index > 0 && created < calendar.start(index - 1) && unit(ctx.seed, TAG, o, 6) < 0.2;
    return carried
      ? [FIRST_JIRA_SPRINT_ID + index - 1, FIRST_JIRA_SPRINT_ID + index]
      : [FIRST_JIRA_SPRINT_ID + index];
  };

  function generate(o: number, end: number): SeiRecord {
    const rng = recordRng(ctx.seed, TAG, o);
    const template = TEMPLATES[rng.int(TEMPLATES.length)] as Template;
    const issueKey = key(o);
    const integration = integrationId(o);
    const project = issueKey.slice(0, issueKey.indexOf('-'));
    const created = createdAt(o, end);
    const updated = changedAt(o, end);
    const people = ctx.universe;

    // Walk a prefix of the workflow; the boundaries split [created, updated] in order.
    const stages = 1 + rng.int(FLOW.length);
    const statuses: string[] = FLOW.slice(0, stages).map(([name]) => name);
    if (rng.chance(0.3)) statuses[0] = 'TO DO';
    if (stages > 2 && rng.chance(0.08)) statuses[stages - 1] = 'WONT DO';
    const bounds = [created];
    for (let k = 1; k < stages; k++) bounds.push(0);
    const cuts = Array.from({ length: stages - 1 }, () => rng.next()).sort((a, b) => a - b);
    for (let k = 1; k < stages; k++)
      bounds[k] = created + Math.floor((cuts[k - 1] as number) * (updated - created));
    if (stages > 1) bounds[stages - 1] = updated;
    const rowCreatedAt = updated + rng.between(60, 900);
    const status = statuses[stages - 1] as string;
    const category = categoryOf(status);

    const statusList: StatusEntry[] = [];
    for (let k = stages - 1; k >= 0; k--) {
      const start = bounds[k] as number;
      const endTime = k === stages - 1 ? rowCreatedAt : (bounds[k + 1] as number);
      statusList.push({
        status: statuses[k] as string,
        issue_key: issueKey,
        integration_id: integration,
        end_time: endTime,
        start_time: start,
        created_at: Math.min(endTime, start + rng.between(30, 900)),
      });
    }

    const assigneeCount = 1 + rng.int(3);
    const assignees = Array.from(
      { length: assigneeCount },
      () => people.person(rng.int(people.personCount)).fullName,
    );
    const assigneeList: AssigneeEntry[] = [];
    for (let k = assigneeCount - 1; k >= 0; k--) {
      const start = created + Math.floor(((updated - created) * k) / assigneeCount);
      const endTime =
        k === assigneeCount - 1
          ? rowCreatedAt
          : created + Math.floor(((updated - created) * (k + 1)) / assigneeCount);
      assigneeList.push({
        assignee: assignees[k] as string,
        issue_key: issueKey,
        integration_id: integration,
        start_time: start,
        end_time: endTime,
        created_at: Math.min(endTime, start + rng.between(30, 900)),
      });
    }

    const storyPoints = rng.pick(STORY_POINTS);
    const epic = rng.chance(0.35) ? `${project}-${10 + rng.int(90)}` : undefined;
    const customFields: Record<string, unknown> = {};
    if (Object.keys(template.custom_fields).length > 0 || rng.chance(0.5)) {
      const sprintDay = new Date(created * 1000).toISOString().slice(0, 10).replaceAll('-', '');
      customFields.customfield_10020 = [`LO${sprintDay}`];
      customFields.customfield_10030 = `${storyPoints}.0`;
      if (epic) customFields.customfield_10014 = epic;
    }
    const labels =
      template.labels.length > 0 ? [...template.labels] : rng.chance(0.2) ? [rng.pick(LABELS)] : [];
    const firstCommentAt = rng.chance(0.5) ? created + Math.floor(rng.next() * (updated - created)) : 0;
    const dueAt = rng.chance(0.2) ? midnightUtcSeconds(created) + 86_400 * rng.between(3, 30) : 0;

    const resolvedAt = category === 'Done' ? (bounds[stages - 1] as number) : 0;
    const record: SeiRecord = {
      key: issueKey,
      integration_id: integration,
      project,
      summary: template.summary + rng.pick(SUMMARY_SUFFIXES),
      status,
      issue_type: template.issue_type,
      priority: rng.pick(PRIORITIES),
      assignee: assignees[assigneeCount - 1],
      reporter: people.person(rng.int(people.personCount)).fullName,
      desc_size: Math.max(0, template.desc_size + rng.between(-50, 200)),
      hops: assigneeCount - 1,
      bounces: rng.chance(0.1) ? 1 : 0,
      num_attachments: rng.chance(0.15) ? rng.between(1, 4) : 0,
      issue_created_at: created,
      issue_updated_at: updatedAt(o, end),
      issue_resolved_at: resolvedAt,
      issue_due_at: dueAt,
      original_estimate: rng.chance(0.2) ? 3600 * rng.between(1, 40) : 0,
      first_comment_at: firstCommentAt,
      ingested_at: midnightUtcSeconds(end),
      created_at: rowCreatedAt,
      custom_fields: customFields,
      sprint_ids: sprintIds(o, integration, created, resolvedAt),
      labels,
      fix_versions: category === 'Done' && rng.chance(0.4) ? [`2.${rng.int(12)}.0`] : [],
      versions: rng.chance(0.1) ? [`2.${rng.int(12)}.0`] : [],
      component_list: rng.chance(0.3) ? [rng.pick(COMPONENTS)] : [],
      status_list: statusList,
      assignee_list: assigneeList,
      story_points: storyPoints,
      resolution: status === 'DONE' ? 'DONE' : status === 'WONT DO' ? "WON'T DO" : '',
      status_category: category,
    };
    // Optional fields are added, not set to undefined and stripped: same output, faster objects.
    if (epic) record.epic = epic;
    if (template.issue_type.startsWith('SUB')) record.parent_key = `${project}-${100 + rng.int(500)}`;
    return record;
  }

  /** Moves the issue one step along the workflow (or reassigns it) and bumps its updated time. */
  function update(record: SeiRecord, rng: Rng, nowMs: number): SeiRecord {
    const now = Math.floor(nowMs / 1000);
    const next = structuredClone(record) as SeiRecord & {
      status_list: StatusEntry[];
      assignee_list: AssigneeEntry[];
    };
    const current = String(next.status);
    const position = FLOW.findIndex(([name]) => name === current);
    const nextStatus =
      position >= 0 && position < FLOW.length - 1 ? (FLOW[position + 1]?.[0] as string) : current;
    if (nextStatus !== current) {
      const open = next.status_list[0];
      if (open) open.end_time = now;
      next.status_list.unshift({
        status: nextStatus,
        issue_key: String(next.key),
        integration_id: String(next.integration_id),
        end_time: now,
        start_time: now,
        created_at: now,
      });
      next.status = nextStatus;
      next.status_category = categoryOf(nextStatus);
      if (nextStatus === 'DONE') {
        next.issue_resolved_at = now;
        next.resolution = 'DONE';
      }
    } else {
      next.summary = `${String(next.summary)} (edited)`;
    }
    next.issue_updated_at = now;
    next.created_at = now;
    next.story_points = rng.pick(STORY_POINTS);
    return next;
  }

  return {
    stream: 'jira_issues',
    generate,
    fastFields: {
      key,
      integration_id: integrationId,
      issue_created_at: (o) => createdAt(o, ctx.endSeconds),
      issue_updated_at: (o) => updatedAt(o, ctx.endSeconds),
      ingested_at: () => midnightUtcSeconds(ctx.endSeconds),
    },
    key: (record) => `${String(record.integration_id)}/${String(record.key)}`,
    updatedAt: { field: 'issue_updated_at', unit: 's' },
    timeFilters: { issue_updated_at: 's', issue_created_at: 's', issue_resolved_at: 's' },
    integrationField: 'integration_id',
    update,
    snapshotField: 'ingested_at',
  };
}
