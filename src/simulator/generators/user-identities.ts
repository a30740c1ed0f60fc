/**
 * User identities (`/v1/user_identities/list`, DbScmUser): one per person and integration, with the
 * UUID that pull requests and commits carry as `creator_id` / `author_id` (`scmUserId`), `cloudId`
 * (camelCase) the user's id in the tool, `email` a list, epoch seconds. `updated_at` moves when a
 * display name or email changes; a bulk remapping gives many the same second.
 */
import type { SeiRecord } from '../../extract/sei/types.js';
import { type Rng, recordRng, unit } from '../random.js';
import {
  CICD_INTEGRATIONS,
  GITHUB_INTEGRATION_IDS,
  JIRA_INTEGRATION_IDS,
  type Person,
  STREAM_TAGS,
} from '../universe.js';
import { scmUserId } from './scm-pull-requests.js';
import { bulkInstant, type GeneratorContext, HISTORY_SECONDS, type StreamGenerator } from './types.js';

const TAG = STREAM_TAGS.user_identities;

/** The integrations a person has an identity in, and what identifies them there. */
const IDENTITIES: readonly { integration: string; cloudId: (person: Person) => string; login: boolean }[] = [
  { integration: GITHUB_INTEGRATION_IDS[0], cloudId: (p) => p.githubLogin, login: true },
  { integration: JIRA_INTEGRATION_IDS[0], cloudId: (p) => p.jiraAccountId, login: false },
  { integration: CICD_INTEGRATIONS[0].id, cloudId: (p) => p.jenkinsLogin, login: true },
  { integration: GITHUB_INTEGRATION_IDS[1], cloudId: (p) => p.githubLogin, login: true },
];

export function userIdentitiesGenerator(ctx: GeneratorContext): StreamGenerator {
  const identityOf = (o: number) => IDENTITIES[o % IDENTITIES.length] as (typeof IDENTITIES)[number];
  const personOf = (o: number) => ctx.universe.person(Math.floor(o / IDENTITIES.length));
  /** Past every person's identities (a large dataset, inserts), accounts of the same people again. */
  const cloudIdOf = (o: number) => {
    const round = Math.floor(o / (IDENTITIES.length * ctx.universe.personCount));
    const cloudId = identityOf(o).cloudId(personOf(o));
    return round === 0 ? cloudId : `${cloudId}-${round + 1}`;
  };
  const idOf = (o: number) => {
    const identity = identityOf(o);
    const cloudId = cloudIdOf(o);
    // GitHub ids are the ones PRs and commits point at; others are SEI's own UUIDs too.
    return identity.integration.startsWith('40')
      ? scmUserId(ctx.seed, cloudId, identity.integration)
      : recordRng(ctx.seed, TAG, o).uuid();
  };
  const createdAt = (o: number) =>
    ctx.endSeconds - HISTORY_SECONDS - Math.floor(unit(ctx.seed, TAG, o, 1) * 86_400 * 30);
  const updatedAt = (o: number, end: number) =>
    bulkInstant(ctx.seed, TAG, o, ctx.sizes.user_identities, end) ??
    createdAt(o) + Math.floor(unit(ctx.seed, TAG, o, 2) * (HISTORY_SECONDS - 3600));

  function generate(o: number, end: number): SeiRecord {
    const rng = recordRng(ctx.seed, TAG, o + 5_000_000);
    const identity = identityOf(o);
    const person = personOf(o);
    const cloudId = cloudIdOf(o);
    const created = o < ctx.sizes.user_identities ? createdAt(o) : end;
    return {
      id: idOf(o),
      integration_id: identity.integration,
      display_name: person.fullName,
      original_display_name: identity.login ? cloudId : person.fullName,
      cloudId,
      // Jira hides most emails; SEI sends `[]` then.
      email: identity.integration.startsWith('37') && rng.chance(0.6) ? [] : [person.email],
      mapping_status: rng.chance(0.9) ? 'auto' : 'manual',
      created_at: created,
      updated_at: o < ctx.sizes.user_identities ? Math.max(created, updatedAt(o, end)) : end,
    };
  }

  return {
    stream: 'user_identities',
    generate,
    fastFields: {
      id: idOf,
      integration_id: (o) => identityOf(o).integration,
      created_at: createdAt,
      updated_at: (o) => Math.max(createdAt(o), updatedAt(o, ctx.endSeconds)),
    },
    key: (record) => String(record.id),
    updatedAt: { field: 'updated_at', unit: 's' },
    timeFilters: { updated_at: 's', created_at: 's' },
    integrationField: 'integration_id',
    /** A display name changed in the tool (the only kind of change that moves `updated_at`). */
    update: (record: SeiRecord, _rng: Rng, nowMs: number) => ({
      ...record,
      display_name: `${String(record.display_name)} (${String(record.cloudId)})`,
      updated_at: Math.floor(nowMs / 1000),
    }),
  };
}
