/** Integrations (`/v1/integrations/list`): `id` a numeric string, epoch SECONDS, `metadata` an object. */
import type { SeiRecord } from '../../extract/sei/types.js';
import { type Rng, recordRng } from '../random.js';
import { type Application, CORE_INTEGRATIONS, type IntegrationSpec, STREAM_TAGS } from '../universe.js';
import { compact, type GeneratorContext, HISTORY_SECONDS, type StreamGenerator } from './types.js';

const APPLICATIONS: readonly Application[] = ['jira', 'github', 'azure_devops', 'jenkins', 'harnessng'];

function specOf(o: number): IntegrationSpec {
  const core = CORE_INTEGRATIONS[o];
  if (core) return core;
  const application = APPLICATIONS[o % APPLICATIONS.length] as Application;
  return { id: String(8000 + o), name: `${application} ${o}`, application };
}

export function integrationsGenerator(ctx: GeneratorContext): StreamGenerator {
  const createdAt = (o: number) =>
    ctx.endSeconds -
    HISTORY_SECONDS -
    86_400 * 10 -
    recordRng(ctx.seed, STREAM_TAGS.integrations, o + 7).int(86_400 * 10);
  const updatedAt = (o: number) =>
    createdAt(o) + recordRng(ctx.seed, STREAM_TAGS.integrations, o + 11).int(HISTORY_SECONDS);

  function generate(o: number, end: number): SeiRecord {
    const rng = recordRng(ctx.seed, STREAM_TAGS.integrations, o);
    const spec = specOf(o);
    const created = o < ctx.sizes.integrations ? createdAt(o) : end;
    const updated = o < ctx.sizes.integrations ? updatedAt(o) : end;
    const satellite = spec.application === 'jenkins' || rng.chance(0.2);
    return compact({
      id: spec.id,
      name: spec.name,
      description: `${spec.name} (${spec.application})`,
      url:
        spec.application === 'jira'
          ? 'https://acme.atlassian.net'
          : spec.application === 'github'
            ? 'https://api.github.com'
            : undefined,
      application: spec.application,
      status: rng.chance(0.9) ? 'ACTIVE' : 'INACTIVE',
      satellite,
      tags: [],
      metadata: { timezone: 'UTC', fetch_commits: spec.application === 'github', is_push_based: satellite },
      created_at: created,
      updated_at: updated,
    });
  }
  return {
    stream: 'integrations',
    generate,
    fastFields: { id: (o) => specOf(o).id, updated_at: updatedAt },
    key: (record) => String(record.id),
    updatedAt: { field: 'updated_at', unit: 's' },
    timeFilters: { updated_at: 's' },
    integrationField: 'id',
    update: (record: SeiRecord, _rng: Rng, nowMs: number) => ({
      ...record,
      status: record.status === 'ACTIVE' ? 'INACTIVE' : 'ACTIVE',
      updated_at: Math.floor(nowMs / 1000),
    }),
  };
}
