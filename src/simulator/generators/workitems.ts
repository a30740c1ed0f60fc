/**
 * Azure DevOps work items (`/v1/issue_mgmt/workitems/list`): UUID `id`, epoch seconds, `0` when unset,
 * except `workitem_updated_at`: DbWorkItem holds it as a `Timestamp`, which Jackson writes in epoch
 * **milliseconds** with the fraction of its second (the server's own data has nine items at
 * `1664809548513`), and the server compares it as a timestamptz (`> to_timestamp(:gt)`).
 */
import type { SeiRecord } from '../../extract/sei/types.js';
import { type Rng, recordRng, unit } from '../random.js';
import { AZURE_INTEGRATION_ID, STREAM_TAGS } from '../universe.js';
import { AZURE_ITERATION_PARENT, azureIterationName, azureSprintCalendar } from './sprints.js';
import {
  bulkInstant,
  compact,
  type GeneratorContext,
  HISTORY_SECONDS,
  midnightUtcSeconds,
  type StreamGenerator,
} from './types.js';

const TAG = STREAM_TAGS.workitems;
/** The fraction of its second a bulk edit's items share (as the server's `1664809548513`). */
export const BULK_EDIT_FRACTION_MS = 513;
const PROJECTS = ['Payments', 'Checkout', 'Identity', 'Mobile App'] as const;
const STATES = [
  ['New', 'To Do'],
  ['Active', 'In Progress'],
  ['Resolved', 'In Progress'],
  ['Closed', 'Done'],
] as const;
const TYPES = ['User Story', 'Bug', 'Task', 'Feature', 'Bug', 'Task'] as const;
const VERBS = ['Add', 'Fix', 'Refactor', 'Document', 'Speed up', 'Remove'] as const;
const THINGS = [
  'invoice export',
  'login throttling',
  'card tokenization',
  'push notifications',
  'audit log',
  'search index',
];

export function workitemsGenerator(ctx: GeneratorContext): StreamGenerator {
  const createdAt = (o: number, end: number) =>
    end - 3600 - Math.floor(unit(ctx.seed, TAG, o, 1) * HISTORY_SECONDS);
  const updatedAt = (o: number, end: number) => {
    const created = createdAt(o, end);
    return created + 60 + Math.floor(unit(ctx.seed, TAG, o, 2) * (end - 3600 - created - 60));
  };
  /** The millisecond instant of the last change; a bulk edit's items share one, fraction included. */
  const updatedAtMs = (o: number, end: number) => {
    const bulk = bulkInstant(ctx.seed, TAG, o, ctx.sizes.workitems, end);
    if (bulk !== undefined) return bulk * 1000 + BULK_EDIT_FRACTION_MS;
    return updatedAt(o, end) * 1000 + Math.floor(unit(ctx.seed, TAG, o, 3) * 1000);
  };
  // A server without the quirk (./quirks.ts): whole epoch seconds, as the other Jira-like instants.
  const updatedAtServed = ctx.subSecondCursors
    ? updatedAtMs
    : (o: number, end: number) => Math.floor(updatedAtMs(o, end) / 1000);
  const updatedUnit = ctx.subSecondCursors ? 'ms' : 's';
  const workitemId = (o: number) => String(1000 + o);
  const calendar = azureSprintCalendar(ctx, ctx.endSeconds);
  /**
   * Stories and bugs are in the iteration they were resolved in, open ones in the current iteration
   * (those created before it); `[]` otherwise.
   */
  const sprintFullNames = (type: string, created: number, resolved: number): string[] => {
    if (type !== 'User Story' && type !== 'Bug') return [];
    const index =
      resolved > 0
        ? calendar.at(resolved)
        : calendar.at(created) === undefined
          ? undefined
          : calendar.count - 2;
    if (index === undefined || created >= calendar.end(index)) return [];
    return [`${AZURE_ITERATION_PARENT}\\${azureIterationName(index)}`];
  };

  function generate(o: number, end: number): SeiRecord {
    const rng = recordRng(ctx.seed, TAG, o);
    // The id is the first draw, so `fastFields.id` can compute it without building the record.
    const id = rng.uuid();
    const created = createdAt(o, end);
    const updated = updatedAt(o, end);
    const [state, category] = rng.pick(STATES);
    const type = rng.pick(TYPES);
    return compact({
      id,
      workitem_id: workitemId(o),
      integration_id: AZURE_INTEGRATION_ID,
      project: `contoso/${rng.pick(PROJECTS)}`,
      summary: `${rng.pick(VERBS)} ${rng.pick(THINGS)}`,
      status: state,
      status_category: category,
      workitem_type: type,
      priority: String(rng.between(1, 4)),
      assignee: ctx.universe.person(rng.int(ctx.universe.personCount)).fullName,
      reporter: ctx.universe.person(rng.int(ctx.universe.personCount)).fullName,
      story_points: type === 'User Story' ? rng.pick([1, 2, 3, 5, 8]) : 0,
      labels: rng.chance(0.2) ? ['customer'] : [],
      epic: rng.chance(0.3) ? String(100 + rng.int(50)) : undefined,
      parent_workitem_id: type === 'Task' && rng.chance(0.5) ? String(1000 + rng.int(o + 1)) : undefined,
      workitem_created_at: created,
      workitem_updated_at: updatedAtServed(o, end),
      workitem_resolved_at: category === 'Done' ? updated : 0,
      workitem_due_at: rng.chance(0.15) ? midnightUtcSeconds(created) + 86_400 * rng.between(5, 40) : 0,
      first_attachment_at: 0,
      first_comment_at: rng.chance(0.5) ? created + Math.floor(rng.next() * (updated - created)) : 0,
      ingested_at: midnightUtcSeconds(end),
      attributes: { area_path: `contoso\\${rng.pick(PROJECTS)}`, iteration: `Sprint ${1 + rng.int(40)}` },
      custom_fields: {},
      // Served only when the request asks for it (`include_sprint_full_names`, see ../endpoints.ts).
      sprint_full_names: sprintFullNames(type, created, category === 'Done' ? updated : 0),
    });
  }

  function update(record: SeiRecord, rng: Rng, nowMs: number): SeiRecord {
    const now = Math.floor(nowMs / 1000);
    const [state, category] = rng.pick(STATES);
    return {
      ...record,
      status: state,
      status_category: category,
      workitem_resolved_at: category === 'Done' ? now : 0,
      workitem_updated_at: ctx.subSecondCursors ? nowMs : Math.floor(nowMs / 1000),
    };
  }

  return {
    stream: 'workitems',
    generate,
    fastFields: {
      id: (o) => recordRng(ctx.seed, TAG, o).uuid(),
      workitem_id: workitemId,
      integration_id: () => AZURE_INTEGRATION_ID,
      workitem_created_at: (o) => createdAt(o, ctx.endSeconds),
      workitem_updated_at: (o) => updatedAtServed(o, ctx.endSeconds),
    },
    key: (record) => `${String(record.integration_id)}/${String(record.workitem_id)}`,
    updatedAt: { field: 'workitem_updated_at', unit: updatedUnit },
    timeFilters: { workitem_updated_at: updatedUnit, workitem_created_at: 's', workitem_resolved_at: 's' },
    integrationField: 'integration_id',
    update,
    snapshotField: 'ingested_at',
  };
}
