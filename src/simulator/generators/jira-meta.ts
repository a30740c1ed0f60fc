/**
 * Jira metadata: custom fields (`/v1/jira_fields/list`, DbJiraField: `id` an int as a string,
 * `field_key`, `field_type` lower-cased) and projects (`/v1/jiraprojects/list`, DbJiraProject:
 * `cloud_id` the Jira project id). Both per Jira site, epoch seconds, no change time.
 */
import type { SeiRecord } from '../../extract/sei/types.js';
import { type Rng, recordRng } from '../random.js';
import { JIRA_INTEGRATION_IDS, STREAM_TAGS } from '../universe.js';
import { JIRA_PROJECTS } from './jira-issues.js';
import { compact, type GeneratorContext, HISTORY_SECONDS, type StreamGenerator } from './types.js';

/** The custom fields of a Jira Cloud site; the first four are the keys issues carry in `custom_fields`. */
export const JIRA_CUSTOM_FIELDS = [
  { key: 'customfield_10020', name: 'Sprint', type: 'array', items: 'json' },
  { key: 'customfield_10014', name: 'Epic Link', type: 'com.pyxis.greenhopper.jira:gh-epic-link' },
  { key: 'customfield_10030', name: 'Story Points', type: 'number' },
  { key: 'customfield_10011', name: 'Epic Name', type: 'string' },
  { key: 'customfield_10016', name: 'Story point estimate', type: 'number' },
  { key: 'customfield_10001', name: 'Team', type: 'com.atlassian.teams:rm-teams-custom-field-team' },
  { key: 'customfield_10040', name: 'Severity', type: 'option' },
  { key: 'customfield_10041', name: 'Customer', type: 'array', items: 'string' },
  { key: 'customfield_10050', name: 'Release Train', type: 'option' },
  { key: 'customfield_10060', name: 'Target start', type: 'date' },
] as const;

const COMPONENTS = ['api', 'billing', 'ui', 'ingestion', 'reports'] as const;
const PROJECT_NAMES: Readonly<Record<string, string>> = {
  LEV: 'Levelops',
  LFE: 'Frontend',
  QUAL: 'Quality',
  ITOPS: 'IT Operations',
  UXD: 'UX Design',
  JAN: 'Janitor',
};

const siteOf = (o: number) => JIRA_INTEGRATION_IDS[o % JIRA_INTEGRATION_IDS.length] as string;
const indexOf = (o: number) => Math.floor(o / JIRA_INTEGRATION_IDS.length);

function createdAt(ctx: GeneratorContext, tag: number, o: number, end: number, seeded: number): number {
  if (o >= seeded) return end;
  return ctx.endSeconds - HISTORY_SECONDS - recordRng(ctx.seed, tag, o + 1_000_000).int(86_400 * 60);
}

export function jiraFieldsGenerator(ctx: GeneratorContext): StreamGenerator {
  const TAG = STREAM_TAGS.jira_fields;
  const fieldOf = (o: number) => {
    const index = indexOf(o);
    return (
      JIRA_CUSTOM_FIELDS[index] ?? {
        key: `customfield_${11000 + index}`,
        name: `Custom field ${index + 1}`,
        type: 'string',
      }
    );
  };
  return {
    stream: 'jira_fields',
    generate: (o, end) => {
      const field = fieldOf(o);
      return compact({
        id: String(180 + o),
        integration_id: siteOf(o),
        name: field.name,
        custom: true,
        field_key: field.key,
        field_type: field.type,
        field_items: 'items' in field ? field.items : undefined,
        created_at: createdAt(ctx, TAG, o, end, ctx.sizes.jira_fields),
      });
    },
    fastFields: { integration_id: siteOf, field_key: (o) => fieldOf(o).key },
    key: (record) => `${String(record.integration_id)}/${String(record.field_key)}`,
    updatedAt: undefined,
    timeFilters: {},
    integrationField: 'integration_id',
    // An admin renamed the field (the upsert keeps `created_at`).
    update: (record: SeiRecord) => ({ ...record, name: `${String(record.name)} (renamed)` }),
  };
}

export function jiraProjectsGenerator(ctx: GeneratorContext): StreamGenerator {
  const TAG = STREAM_TAGS.jira_projects;
  const keyOf = (o: number) => JIRA_PROJECTS[indexOf(o)] ?? `P${indexOf(o)}`;
  return {
    stream: 'jira_projects',
    generate: (o, end) => {
      const rng = recordRng(ctx.seed, TAG, o);
      const key = keyOf(o);
      return {
        id: String(10 + o),
        integration_id: siteOf(o),
        cloud_id: String(10_000 + o),
        name: PROJECT_NAMES[key] ?? `Project ${key}`,
        key,
        is_private: rng.chance(0.1),
        components: rng.sample(COMPONENTS, rng.between(0, 3)),
        lead_user_id: ctx.universe.person(rng.int(ctx.universe.personCount)).jiraAccountId,
        created_at: createdAt(ctx, TAG, o, end, ctx.sizes.jira_projects),
      };
    },
    fastFields: { integration_id: siteOf, cloud_id: (o) => String(10_000 + o) },
    key: (record) => `${String(record.integration_id)}/${String(record.cloud_id)}`,
    updatedAt: undefined,
    timeFilters: {},
    integrationField: 'integration_id',
    update: (record: SeiRecord, rng: Rng) => ({
      ...record,
      lead_user_id: ctx.universe.person(rng.int(ctx.universe.personCount)).jiraAccountId,
    }),
  };
}
