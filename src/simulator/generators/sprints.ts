/**
 * Sprints: Jira sprints (`/v1/jira_issues/sprints/list`, DbJiraSprint) and Azure DevOps iterations
 * (`/v1/issue_mgmt/sprints/list`, DbIssueSprint), on a two-week calendar that ends around the
 * dataset's end: the second-to-last sprint is the active one, the last is planned, the others closed.
 * Jira issues and work items created during a sprint are in it (./jira-issues.ts, ./workitems.ts).
 */
import type { SeiRecord } from '../../extract/sei/types.js';
import { type Rng, recordRng } from '../random.js';
import { AZURE_INTEGRATION_ID, JIRA_INTEGRATION_IDS, STREAM_TAGS } from '../universe.js';
import { compact, type GeneratorContext, midnightUtcSeconds, type StreamGenerator } from './types.js';

export const SPRINT_SECONDS = 14 * 86_400;
/** Jira sprint ids start here; both Jira sites number theirs alike (ties on `ORDER BY sprint_id`). */
export const FIRST_JIRA_SPRINT_ID = 400;
const BOARDS: Readonly<Record<string, string>> = { '378': 'Platform', '379': 'Data Center' };
const GOALS = ['Finish billing v2', 'Stabilize ingestion', 'Ship the new onboarding', 'Pay down test debt'];
/** Azure DevOps iterations live under this path; work items name them by full path. */
export const AZURE_ITERATION_PARENT = 'Contoso\\Release 2024';

/** Sprint `index` of a board with `count` sprints: when it starts and ends, and its state. */
export class SprintCalendar {
  readonly #activeStart: number;

  constructor(
    readonly count: number,
    endSeconds: number,
  ) {
    this.#activeStart = midnightUtcSeconds(endSeconds) - 7 * 86_400;
  }

  start(index: number): number {
    return this.#activeStart + (index - (this.count - 2)) * SPRINT_SECONDS;
  }

  end(index: number): number {
    return this.start(index) + SPRINT_SECONDS;
  }

  state(index: number): 'closed' | 'active' | 'future' {
    if (index < this.count - 2) return 'closed';
    return index === this.count - 2 ? 'active' : 'future';
  }

  /** The started sprint (closed or active) running at `instant`, if any. */
  at(instant: number): number | undefined {
    const index = Math.floor((instant - this.start(0)) / SPRINT_SECONDS);
    return index >= 0 && index <= this.count - 2 ? index : undefined;
  }
}

/** Sprints of `integration` among `size` records dealt round-robin over `integrations`. */
function perIntegration(size: number, integrations: number, position: number): number {
  return Math.max(0, Math.ceil((size - position) / integrations));
}

/** The Jira calendar of one site (integration). */
export function jiraSprintCalendar(ctx: GeneratorContext, integrationId: string, endSeconds: number) {
  const position = Math.max(0, JIRA_INTEGRATION_IDS.indexOf(integrationId as '378'));
  return new SprintCalendar(
    perIntegration(ctx.sizes.jira_sprints, JIRA_INTEGRATION_IDS.length, position),
    endSeconds,
  );
}

export function azureSprintCalendar(ctx: GeneratorContext, endSeconds: number): SprintCalendar {
  return new SprintCalendar(ctx.sizes.workitem_sprints, endSeconds);
}

export function azureIterationName(index: number): string {
  return `Sprint ${index + 1}`;
}

export function jiraSprintsGenerator(ctx: GeneratorContext): StreamGenerator {
  const TAG = STREAM_TAGS.jira_sprints;
  const integrationOf = (o: number) => JIRA_INTEGRATION_IDS[o % JIRA_INTEGRATION_IDS.length] as string;
  const indexOf = (o: number) => Math.floor(o / JIRA_INTEGRATION_IDS.length);

  function generate(o: number, end: number): SeiRecord {
    const rng = recordRng(ctx.seed, TAG, o);
    const integration = integrationOf(o);
    const index = indexOf(o);
    const calendar = jiraSprintCalendar(ctx, integration, ctx.endSeconds);
    const state = o < ctx.sizes.jira_sprints ? calendar.state(index) : 'future';
    // The activation is a little after the planned start; Jira sends it as the start.
    const started = calendar.start(index) + rng.between(0, 7200);
    const completed = calendar.end(index) + rng.between(0, 6 * 3600);
    return compact({
      id: rng.uuid(),
      sprint_id: FIRST_JIRA_SPRINT_ID + index,
      name: `${BOARDS[integration] ?? 'Board'} Sprint ${index + 1}`,
      // A number here, while issues carry their integration id as a string.
      integration_id: Number(integration),
      state: state.toUpperCase(),
      goal: rng.chance(0.6) ? rng.pick(GOALS) : undefined,
      start_date: state === 'future' ? 0 : started,
      end_date: calendar.end(index),
      complete_date: state === 'closed' ? completed : 0,
      updated_at: Math.min(end, state === 'closed' ? completed + rng.between(60, 3600) : started + 600),
    });
  }

  return {
    stream: 'jira_sprints',
    generate,
    fastFields: {
      sprint_id: (o) => FIRST_JIRA_SPRINT_ID + indexOf(o),
      integration_id: (o) => Number(integrationOf(o)),
    },
    key: (record) => `${String(record.integration_id)}/${String(record.sprint_id)}`,
    updatedAt: { field: 'updated_at', unit: 's' },
    timeFilters: {},
    integrationField: 'integration_id',
    update: (record: SeiRecord, rng: Rng, nowMs: number) => ({
      ...record,
      goal: rng.pick(GOALS),
      updated_at: Math.floor(nowMs / 1000),
    }),
  };
}

export function workitemSprintsGenerator(ctx: GeneratorContext): StreamGenerator {
  const TAG = STREAM_TAGS.workitem_sprints;
  const projectId = recordRng(ctx.seed, TAG, 1_000_000).uuid();

  function generate(o: number, _end: number): SeiRecord {
    const rng = recordRng(ctx.seed, TAG, o);
    const calendar = azureSprintCalendar(ctx, ctx.endSeconds);
    const state = o < ctx.sizes.workitem_sprints ? calendar.state(o) : 'future';
    return {
      id: rng.uuid(),
      // The iteration's id in Azure DevOps (a GUID).
      sprint_id: rng.uuid(),
      parent_sprint: AZURE_ITERATION_PARENT,
      name: azureIterationName(o),
      integration_id: Number(AZURE_INTEGRATION_ID),
      project_id: projectId,
      // Azure DevOps' time frame.
      state: state === 'closed' ? 'past' : state === 'active' ? 'current' : 'future',
      start_date: calendar.start(o),
      end_date: calendar.end(o),
      // SEI's ingestion sets the completion to the planned end.
      completed_date: calendar.end(o),
    };
  }

  return {
    stream: 'workitem_sprints',
    generate,
    fastFields: { integration_id: () => Number(AZURE_INTEGRATION_ID) },
    key: (record) => `${String(record.integration_id)}/${String(record.sprint_id)}`,
    updatedAt: undefined,
    timeFilters: {},
    integrationField: 'integration_id',
    // An iteration extended by a day (iterations have no updated time of their own).
    update: (record: SeiRecord) => ({
      ...record,
      end_date: Number(record.end_date) + 86_400,
      completed_date: Number(record.end_date) + 86_400,
    }),
  };
}
