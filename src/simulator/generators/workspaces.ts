/**
 * Workspaces (`/v1/products/list`, Product: `id` an int as a string, `orgIdentifier` camelCase,
 * `integration_ids` numbers, epoch seconds) and workflow profiles (`/v1/velocity_configs/list`,
 * VelocityConfigDTO: a UUID, Instants in ms, nested stage configuration).
 */
import type { SeiRecord } from '../../extract/sei/types.js';
import { doraSections, unitsOfProfile, WORKFLOW_PROFILES, workflowProfileId } from '../dora/profiles.js';
import { recordRng } from '../random.js';
import { CORE_INTEGRATIONS, STREAM_TAGS } from '../universe.js';
import { FIRST_OU_REF_ID, WORKSPACE_ID } from './org.js';
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

export function workflowProfilesGenerator(ctx: GeneratorContext): StreamGenerator {
  const TAG = STREAM_TAGS.workflow_profiles;
  function generate(o: number, end: number): SeiRecord {
    const profile = WORKFLOW_PROFILES[o] ?? {
      name: `Profile ${o + 1}`,
      jiraOnly: false,
      families: ['SCM_PRS'],
    };
    const seeded = o < ctx.sizes.workflow_profiles;
    const created = seeded ? seededSeconds(ctx, TAG, o, 1) : end;
    return compact({
      id: workflowProfileId(ctx.seed, o),
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
      associated_ou_ref_ids: unitsOfProfile(o, ctx.sizes.org_units).map((u) => String(FIRST_OU_REF_ID + u)),
      // DORA sections in the server's shape; the simulator's /v1/dora endpoints read them back.
      ...doraSections(ctx.seed, o),
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
