/**
 * The organisation: org users (contributors), org units (collections) and collection categories.
 * All instants in epoch MILLISECONDS. Full-refresh streams: no time filters.
 */
import type { SeiRecord } from '../../extract/sei/types.js';
import { profileOfUnit, WORKFLOW_PROFILES, workflowProfileId } from '../dora/profiles.js';
import { type Rng, recordRng } from '../random.js';
import {
  AZURE_INTEGRATION_ID,
  CICD_INTEGRATIONS,
  GITHUB_INTEGRATION_IDS,
  JIRA_INTEGRATION_IDS,
  STREAM_TAGS,
} from '../universe.js';
import {
  compact,
  editDescription,
  type GeneratorContext,
  HISTORY_SECONDS,
  type StreamGenerator,
} from './types.js';

export const WORKSPACE_ID = 34;
/** Ref ids of org units start here (the documented example has 76 and 79). */
export const FIRST_OU_REF_ID = 76;

const ROLES = [
  'Engineer',
  'Senior Engineer',
  'Staff Engineer',
  'Engineering Manager',
  'QA Engineer',
] as const;
const CATEGORY_NAMES = [
  ['Teams', 'Engineering teams', 'All Teams'],
  ['Projects', 'Projects across teams', 'All Projects'],
  ['Initiatives', 'Company-wide initiatives', 'All Initiatives'],
] as const;
const UNIT_NAMES = [
  'Frontend',
  'Backend',
  'Platform',
  'Mobile',
  'Data',
  'SRE',
  'Payments',
  'Growth',
  'Security',
] as const;

function createdMs(ctx: GeneratorContext, tag: number, o: number): number {
  const rng = recordRng(ctx.seed, tag, o + 5_000_000);
  return (ctx.endSeconds - HISTORY_SECONDS - rng.int(86_400 * 30)) * 1000;
}

export function orgUsersGenerator(ctx: GeneratorContext): StreamGenerator {
  const u = ctx.universe;
  function generate(o: number, end: number): SeiRecord {
    const rng = recordRng(ctx.seed, STREAM_TAGS.org_users, o);
    const created = o < ctx.sizes.org_users ? createdMs(ctx, STREAM_TAGS.org_users, o) : end * 1000;
    const updated = created + rng.int(HISTORY_SECONDS) * 1000;
    if (o >= u.personCount && o < u.personCount + u.externalCount) {
      // Dangling identities: SEI lists them with id "0" and an empty email.
      const external = u.external(o - u.personCount);
      return {
        id: '0',
        full_name: external.fullName,
        email: '',
        integration_user_ids: [{ integration_id: external.integrationId, user_id: external.userId }],
        additional_fields: {},
        version: '0',
        created_at: created,
        updated_at: Math.min(updated, end * 1000),
      };
    }
    // Ordinals past the seeded size are people hired after the dataset was made.
    const person =
      o < u.personCount
        ? u.person(o)
        : {
            orgUserId: rng.uuid(),
            fullName: `New Hire ${o}`,
            email: `new.hire${o}@example.com`,
            jiraAccountId: `712020:${rng.uuid()}`,
            githubLogin: `new-hire-${o}`,
            jenkinsLogin: `new.hire${o}`,
          };
    return compact({
      id: person.orgUserId,
      full_name: person.fullName,
      email: person.email,
      integration_user_ids: [
        { integration_id: JIRA_INTEGRATION_IDS[0], user_id: person.jiraAccountId },
        { integration_id: JIRA_INTEGRATION_IDS[1], user_id: person.jiraAccountId },
        { integration_id: GITHUB_INTEGRATION_IDS[0], user_id: person.githubLogin },
        { integration_id: GITHUB_INTEGRATION_IDS[1], user_id: person.githubLogin },
        { integration_id: AZURE_INTEGRATION_ID, user_id: person.email },
        { integration_id: CICD_INTEGRATIONS[0].id, user_id: person.jenkinsLogin },
      ],
      additional_fields: {
        role: rng.pick(ROLES),
        location: rng.pick(['Berlin', 'Bangalore', 'Austin', 'Remote']),
      },
      start_date: Math.floor(created / 1000),
      version: String(1 + rng.int(4)),
      created_at: created,
      updated_at: Math.min(updated, end * 1000),
    });
  }
  return {
    stream: 'org_users',
    generate,
    fastFields: {},
    key: (record) =>
      record.id === '0'
        ? `0/${(record.integration_user_ids as { integration_id: string; user_id: string }[])
            .map((id) => `${id.integration_id}:${id.user_id}`)
            .join(',')}`
        : String(record.id),
    updatedAt: { field: 'updated_at', unit: 'ms' },
    timeFilters: {},
    integrationField: undefined,
    update: (record: SeiRecord, rng: Rng, nowMs: number) => ({
      ...record,
      version: String(Number(record.version ?? 0) + 1),
      additional_fields: { ...(record.additional_fields as object), role: rng.pick(ROLES) },
      updated_at: nowMs,
    }),
  };
}

/** The category uuid, shared by categories and the units in them. */
function categoryId(ctx: GeneratorContext, c: number): string {
  return recordRng(ctx.seed, STREAM_TAGS.collection_categories, c).uuid();
}

export function collectionCategoriesGenerator(ctx: GeneratorContext): StreamGenerator {
  function generate(o: number, end: number): SeiRecord {
    const rng = recordRng(ctx.seed, STREAM_TAGS.collection_categories, o + 1_000_000);
    const names = CATEGORY_NAMES[o % CATEGORY_NAMES.length] as (typeof CATEGORY_NAMES)[number];
    const round = Math.floor(o / CATEGORY_NAMES.length);
    const created =
      o < ctx.sizes.collection_categories ? createdMs(ctx, STREAM_TAGS.collection_categories, o) : end * 1000;
    return compact({
      id: categoryId(ctx, o),
      name: round === 0 ? names[0] : `${names[0]} ${round + 1}`,
      description: names[1],
      is_predefined: o === 0,
      enabled: true,
      workspace_id: WORKSPACE_ID,
      root_ou_ref_id: o < ctx.sizes.org_units ? FIRST_OU_REF_ID + o : undefined,
      root_ou_name: o < ctx.sizes.org_units ? unitName(o, ctx.sizes.collection_categories) : undefined,
      created_at: created,
      updated_at: created + rng.int(HISTORY_SECONDS) * 1000,
    });
  }
  return {
    stream: 'collection_categories',
    generate,
    fastFields: {},
    key: (record) => String(record.id),
    updatedAt: { field: 'updated_at', unit: 'ms' },
    timeFilters: {},
    integrationField: undefined,
    update: editDescription('ms'),
  };
}

/**
 * The unit tree: units 0..C-1 are the roots of the C categories ("All Teams", ...); the next 3C
 * hang under the roots; the rest hang under those. Unit j of category c has ref id FIRST_OU_REF_ID + j.
 */
function parentOf(o: number, categories: number): number | undefined {
  const c = Math.max(1, categories);
  if (o < c) return undefined;
  const k = o - c;
  if (k < 3 * c) return k % c;
  return c + ((k - 3 * c) % (3 * c));
}

function unitName(o: number, categories: number): string {
  const c = Math.max(1, categories);
  if (o < c)
    return (
      (CATEGORY_NAMES[o % CATEGORY_NAMES.length] as (typeof CATEGORY_NAMES)[number])[2] +
      (o >= CATEGORY_NAMES.length ? ` ${o + 1}` : '')
    );
  const k = o - c;
  const base = UNIT_NAMES[k % UNIT_NAMES.length] as string;
  const round = Math.floor(k / UNIT_NAMES.length);
  return round === 0 ? base : `${base} ${round + 1}`;
}

function pathOf(o: number, categories: number): string {
  const parent = parentOf(o, categories);
  return `${parent === undefined ? '' : pathOf(parent, categories)}/${unitName(o, categories)}`;
}

export function orgUnitsGenerator(ctx: GeneratorContext): StreamGenerator {
  const categories = ctx.sizes.collection_categories;
  const u = ctx.universe;
  function generate(o: number, end: number): SeiRecord {
    const rng = recordRng(ctx.seed, STREAM_TAGS.org_units, o);
    const parent = parentOf(o, categories);
    const root = o < Math.max(1, categories);
    let category = o;
    for (let p = parent; p !== undefined; p = parentOf(p, categories)) category = p;
    // Members: people are spread over the non-root units (person p belongs to unit C + p mod n).
    const nonRoot = Math.max(1, ctx.sizes.org_units - Math.max(1, categories));
    const members: string[] = [];
    if (!root) {
      const slot = (o - Math.max(1, categories)) % nonRoot;
      for (let p = slot; p < u.personCount; p += nonRoot) members.push(u.person(p).orgUserId);
    }
    const manager = u.person(rng.int(u.personCount));
    const profile = profileOfUnit(o, ctx.sizes.workflow_profiles);
    return compact({
      id: String(FIRST_OU_REF_ID + o),
      ou_id: rng.uuid(),
      name: unitName(o, categories),
      tags: root ? [] : rng.chance(0.5) ? ['team'] : [],
      managers: root ? [] : [{ id: manager.orgUserId, full_name: manager.fullName, email: manager.email }],
      admins: [],
      sections: [],
      default_section: { users: members },
      parent_ref_id: parent === undefined ? undefined : FIRST_OU_REF_ID + parent,
      version: String(1 + rng.int(3)),
      no_of_dashboards: rng.int(4),
      path: pathOf(o, categories),
      ou_category_id: categoryId(ctx, category),
      default_dashboard_id: 0,
      workspace_id: WORKSPACE_ID,
      // OrgUnitDTO names the collection's workflow profile (absent when it has none).
      workflow_profile_id: profile === undefined ? undefined : workflowProfileId(ctx.seed, profile),
      workflow_profile_name: profile === undefined ? undefined : WORKFLOW_PROFILES[profile]?.name,
      created_at: o < ctx.sizes.org_units ? createdMs(ctx, STREAM_TAGS.org_units, o) : end * 1000,
    });
  }
  return {
    stream: 'org_units',
    generate,
    fastFields: { id: (o) => String(FIRST_OU_REF_ID + o) },
    key: (record) => String(record.id),
    updatedAt: undefined,
    timeFilters: {},
    integrationField: undefined,
    update: (record: SeiRecord) => ({ ...record, version: String(Number(record.version ?? 0) + 1) }),
  };
}
