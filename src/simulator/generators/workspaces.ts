/**
 * Workspaces (`/v1/products/list`, Product: `id` an int as a string, `orgIdentifier` camelCase,
 * `integration_ids` numbers, epoch seconds) and workflow profiles (`/v1/velocity_configs/list`,
 * VelocityConfigDTO: a UUID, Instants in ms, nested stage configuration).
 */
import type { SeiRecord } from '../../extract/sei/types.js';
import { recordRng } from '../random.js';
import { CORE_INTEGRATIONS, STREAM_TAGS } from '../universe.js';
import { WORKSPACE_ID } from './org.js';
import {
  compact,
  editDescription,
  type GeneratorContext,
  HISTORY_SECONDS,
  type StreamGenerator,
} from './types.js';

const WORKSPACES = [
  { name: 'Default Workspace', key: 'DEFAULT', integrations: ['378', '4021', '5122', '6011', '8101'] },
  { name: 'Payments', key: 'PAY', integrations: ['379', '4022', '7003'] },
  { name: 'Platform', key: 'PLAT', integrations: ['378', '4021', '6011'] },
] as const;

const seededSeconds = (ctx: GeneratorContext, tag: number, o: number, extra: number) =>
  ctx.endSeconds - HISTORY_SECONDS + recordRng(ctx.seed, tag, o + extra).int(HISTORY_SECONDS - 86_400);

export function productsGenerator(ctx: GeneratorContext): StreamGenerator {
  const TAG = STREAM_TAGS.products;
  function generate(o: number, end: number): SeiRecord {
    const workspace = WORKSPACES[o] ?? { name: `Workspace ${o + 1}`, key: `W${o + 1}`, integrations: [] };
    const seeded = o < ctx.sizes.products;
    const created = seeded ? ctx.endSeconds - HISTORY_SECONDS - 86_400 * (30 - o) : end;
    const integrations = CORE_INTEGRATIONS.filter((i) =>
      (workspace.integrations as readonly string[]).includes(i.id),
    );
    return {
      id: String(WORKSPACE_ID + o),
      name: workspace.name,
      description: o === 0 ? 'Default Workspace' : `${workspace.name} teams`,
      key: workspace.key,
      orgIdentifier: 'default',
      owner_id: String(1 + o),
      integration_ids: integrations.map((i) => Number(i.id)),
      integrations: integrations.map((i) => ({
        id: i.id,
        name: i.name,
        application: i.application,
        append_metadata: false,
      })),
      updated_at: seeded ? Math.max(created, seededSeconds(ctx, TAG, o, 7)) : end,
      created_at: created,
      bootstrapped: o === 0,
      immutable: false,
      disabled: false,
      demo: false,
    };
  }
  return {
    stream: 'products',
    generate,
    fastFields: { id: (o) => String(WORKSPACE_ID + o) },
    key: (record) => String(record.id),
    updatedAt: { field: 'updated_at', unit: 's' },
    timeFilters: { updated_at: 's' },
    integrationField: undefined,
    update: editDescription('s'),
  };
}

const PROFILES: readonly { name: string; jiraOnly: boolean; families: readonly string[] }[] = [
  { name: 'Default Workflow Profile', jiraOnly: false, families: ['ISSUE_MANAGEMENT', 'SCM_PRS', 'CICD'] },
  { name: 'DORA for Platform', jiraOnly: false, families: ['SCM_PRS', 'CICD'] },
  { name: 'Jira only', jiraOnly: true, families: ['ISSUE_MANAGEMENT'] },
];

export function workflowProfilesGenerator(ctx: GeneratorContext): StreamGenerator {
  const TAG = STREAM_TAGS.workflow_profiles;
  function generate(o: number, end: number): SeiRecord {
    const rng = recordRng(ctx.seed, TAG, o);
    const profile = PROFILES[o] ?? { name: `Profile ${o + 1}`, jiraOnly: false, families: ['SCM_PRS'] };
    const seeded = o < ctx.sizes.workflow_profiles;
    const created = seeded ? seededSeconds(ctx, TAG, o, 1) : end;
    const deployJob = (env: string) => ({ integration_ids: [6011], job_names: [`deploy-${env}`] });
    return compact({
      id: rng.uuid(),
      name: profile.name,
      default_config: o === 0,
      description: o === 0 ? 'Lead time for changes' : `${profile.name}: what counts as a deployment`,
      created_at: created * 1000,
      updated_at: (seeded ? Math.max(created, seededSeconds(ctx, TAG, o, 2)) : end) * 1000,
      is_new: true,
      pre_development_custom_stages: [],
      fixed_stages: profile.jiraOnly ? [] : [{ name: 'Lead time to First Commit', order: 0 }],
      post_development_custom_stages: [
        { name: 'Deploy to production', order: 1, event: { type: 'CICD_JOB_RUN' } },
      ],
      jira_only: profile.jiraOnly,
      integration_families: [...profile.families],
      issue_management_integrations: profile.families.includes('ISSUE_MANAGEMENT') ? ['jira'] : [],
      associated_ou_ref_ids: [String(76 + o)],
      lead_time_for_changes: { stages: profile.jiraOnly ? 2 : 4, starting_event: 'ticket_created' },
      mean_time_to_restore: profile.jiraOnly ? undefined : { filters: { incident_priorities: ['P1', 'P2'] } },
      deployment_frequency: profile.jiraOnly
        ? undefined
        : { calculation_field: 'end_time', filters: deployJob('api') },
      change_failure_rate: profile.jiraOnly
        ? undefined
        : { is_absolute: false, filters: { failed_deployment: deployJob('api') } },
    });
  }
  return {
    stream: 'workflow_profiles',
    generate,
    fastFields: {},
    key: (record) => String(record.id),
    updatedAt: { field: 'updated_at', unit: 'ms' },
    timeFilters: {},
    integrationField: undefined,
    update: editDescription('ms'),
  };
}
