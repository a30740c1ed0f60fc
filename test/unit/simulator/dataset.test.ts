import { describe, expect, it } from 'vitest';
import type { SeiRecord } from '../../../src/extract/sei/types.js';
import { Dataset } from '../../../src/simulator/dataset.js';
import { CORE_INTEGRATIONS } from '../../../src/simulator/universe.js';
import { STREAM_NAMES } from '../../../src/streams/types.js';

const NOW_MS = 1_800_000_000_000;

function dataset(seed = 7, records = 300): Dataset {
  return new Dataset({ seed, records, nowMs: () => NOW_MS });
}

function hasNull(value: unknown): boolean {
  if (value === null) return true;
  if (Array.isArray(value)) return value.some(hasNull);
  if (typeof value === 'object') return Object.values(value as object).some(hasNull);
  return false;
}

const isMidnight = (s: number) => s % 86_400 === 0;
const isSeconds = (n: unknown) =>
  typeof n === 'number' &&
  Number.isInteger(n) &&
  (n === 0 || (n > 1e9 && n < 1e10) || n === -1 || n === -19_700);
const isMillis = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n > 1e12 && n < 1e13;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('simulator dataset generation', () => {
  it('is deterministic per seed and independent of generation order', () => {
    const a = dataset(7);
    const b = dataset(7);
    const c = dataset(8);
    for (const stream of STREAM_NAMES) {
      const forward = a.records(stream);
      const state = b.state(stream);
      const backward = [];
      for (let o = state.size - 1; o >= 0; o--) backward.unshift(state.record(o));
      expect(JSON.stringify(backward)).toBe(JSON.stringify(forward));
      if (forward.length > 0) expect(JSON.stringify(c.records(stream))).not.toBe(JSON.stringify(forward));
    }
  });

  it('never sends null and sizes the streams as asked', () => {
    const d = new Dataset({ seed: 1, records: 50, streamSizes: { scm_commits: 20, org_users: 16 } });
    expect(d.count('jira_issues')).toBe(50);
    expect(d.count('scm_commits')).toBe(20);
    expect(d.count('org_users')).toBe(16);
    for (const stream of STREAM_NAMES)
      for (const record of d.records(stream)) expect(hasNull(record)).toBe(false);
  });

  it('makes Jira issues like the real sample: no id, string integration id, seconds, zeros, 1-2 KB', () => {
    const records = dataset().records('jira_issues');
    const sizes = records.map((r) => JSON.stringify(r).length).sort((x, y) => x - y);
    expect(sizes[0]).toBeGreaterThan(800);
    expect(sizes[Math.floor(sizes.length / 2)]).toBeGreaterThanOrEqual(1024);
    expect(sizes[Math.floor(sizes.length / 2)]).toBeLessThanOrEqual(2048);
    expect(sizes.at(-1)).toBeLessThan(2600);
    const keys = new Set<string>();
    let unresolved = 0;
    for (const r of records) {
      expect(r.id).toBeUndefined();
      expect(typeof r.integration_id).toBe('string');
      expect(r.key).toMatch(/^[A-Z]+-\d+$/);
      keys.add(`${r.integration_id}/${r.key}`);
      for (const field of [
        'issue_created_at',
        'issue_updated_at',
        'issue_resolved_at',
        'issue_due_at',
        'first_comment_at',
      ]) {
        expect(isSeconds(r[field]), field).toBe(true);
      }
      expect(isMidnight(r.ingested_at as number)).toBe(true);
      if (r.issue_resolved_at === 0) unresolved++;
      // The one the server's own data dates before 1970 (`-1`) has no history to agree with.
      if (r.issue_updated_at === -1) continue;
      expect(r.issue_updated_at as number).toBeGreaterThanOrEqual(r.issue_created_at as number);
      const statuses = r.status_list as { status: string; start_time: number; end_time: number }[];
      expect(statuses.length).toBeGreaterThan(0);
      expect(statuses[0]?.status).toBe(r.status);
      for (let k = 0; k < statuses.length; k++) {
        const entry = statuses[k]!;
        expect(entry.start_time).toBeLessThanOrEqual(entry.end_time);
        if (k > 0) expect(entry.end_time).toBe(statuses[k - 1]!.start_time); // newest first, contiguous
      }
      const assignees = r.assignee_list as { assignee: string }[];
      expect(assignees[0]?.assignee).toBe(r.assignee);
      expect(typeof r.custom_fields).toBe('object');
      expect(Array.isArray(r.labels)).toBe(true);
    }
    expect(keys.size).toBe(records.length);
    expect(unresolved).toBeGreaterThan(0);
    expect(unresolved).toBeLessThan(records.length);
    expect(records.some((r) => (r.status_list as unknown[]).length >= 3)).toBe(true);
  });

  it('gives every stream its documented key and time units', () => {
    const d = dataset();
    for (const r of d.records('workitems')) {
      expect(r.id).toMatch(UUID);
      expect(typeof r.workitem_id).toBe('string');
      // DbWorkItem's Timestamp, written by Jackson in milliseconds (a fraction of the second included).
      expect(Number.isInteger(r.workitem_updated_at) && (r.workitem_updated_at as number) > 1e12).toBe(true);
      expect(isSeconds(r.workitem_resolved_at)).toBe(true);
    }
    const prs = d.records('scm_pull_requests');
    for (const r of prs) {
      expect(r.id).toMatch(UUID);
      expect(Array.isArray(r.repo_id)).toBe(true);
      expect(typeof r.number).toBe('string');
      expect(isSeconds(r.pr_updated_at)).toBe(true);
      expect(isSeconds(r.pr_merged_at)).toBe(true);
      expect(isSeconds(r.first_review_at)).toBe(true);
    }
    expect(prs.some((r) => typeof r.lines_added === 'string')).toBe(true);
    expect(prs.some((r) => typeof r.lines_added === 'number')).toBe(true);
    for (const r of d.records('scm_commits')) {
      expect((r.message as string).length).toBeLessThanOrEqual(25);
      expect(r.commit_sha).toMatch(/^[0-9a-f]{40}$/);
      expect(isSeconds(r.committed_at)).toBe(true);
    }
    const runs = d.records('cicd_job_runs');
    for (const r of runs) {
      expect(r.id).toMatch(UUID);
      expect(isMillis(r.start_time)).toBe(true);
      if (r.status === 'RUNNING') expect(r.end_time).toBeUndefined();
      else expect(isMillis(r.end_time)).toBe(true);
    }
    expect(runs.some((r) => (r.tags as string[]).includes('deploy') && r.env === 'prod')).toBe(true);
    for (const r of d.records('org_users')) {
      expect(isMillis(r.created_at)).toBe(true);
      expect(typeof r.version).toBe('string');
    }
    for (const r of d.records('integrations')) {
      expect(r.id).toMatch(/^\d+$/);
      expect(isSeconds(r.updated_at)).toBe(true);
      expect(typeof r.satellite).toBe('boolean');
    }
  });

  it('adds External User rows with id "0", an empty email and one integration identity', () => {
    const users = dataset().records('org_users');
    const external = users.filter((u) => u.id === '0');
    expect(external.length).toBeGreaterThan(1);
    for (const u of external) {
      expect(u.full_name).toMatch(/^External User\d+$/);
      expect(u.email).toBe('');
      expect((u.integration_user_ids as unknown[]).length).toBe(1);
    }
  });

  it('keeps references joinable: integrations, people, units and categories', () => {
    const d = dataset();
    const integrationIds = new Set(d.records('integrations').map((r) => r.id));
    for (const core of CORE_INTEGRATIONS) expect(integrationIds.has(core.id)).toBe(true);
    const identities = new Set<string>();
    const names = new Set<string>();
    const userIds = new Set<string>();
    for (const u of d.records('org_users')) {
      names.add(u.full_name as string);
      userIds.add(u.id as string);
      for (const id of u.integration_user_ids as { integration_id: string; user_id: string }[]) {
        identities.add(`${id.integration_id}/${id.user_id}`);
      }
    }
    for (const r of d.records('jira_issues')) {
      expect(integrationIds.has(r.integration_id)).toBe(true);
      expect(names.has(r.assignee as string)).toBe(true);
    }
    for (const r of d.records('scm_pull_requests'))
      expect(identities.has(`${r.integration_id}/${r.creator}`)).toBe(true);
    for (const r of d.records('scm_commits'))
      expect(identities.has(`${r.integration_id}/${r.author}`)).toBe(true);
    for (const r of d.records('cicd_job_runs')) expect(integrationIds.has(r.cicd_integration_id)).toBe(true);

    const units = d.records('org_units');
    const byRef = new Map(units.map((u) => [Number(u.id), u]));
    const categories = new Set(d.records('collection_categories').map((c) => c.id));
    let members = 0;
    for (const unit of units) {
      expect(categories.has(unit.ou_category_id)).toBe(true);
      const parent = unit.parent_ref_id === undefined ? undefined : byRef.get(unit.parent_ref_id as number);
      if (unit.parent_ref_id === undefined) expect(unit.path).toBe(`/${unit.name}`);
      else expect(unit.path).toBe(`${parent?.path}/${unit.name}`);
      for (const member of (unit.default_section as { users: string[] }).users) {
        expect(userIds.has(member)).toBe(true);
        members++;
      }
    }
    expect(members).toBeGreaterThan(0);
    for (const category of d.records('collection_categories')) {
      expect(byRef.has(category.root_ou_ref_id as number)).toBe(true);
    }
  });
});

describe('simulator dataset mutations', () => {
  it('inserts, updates (bumping the updated-at field to now) and deletes, reporting keys', () => {
    const d = dataset(3, 100);
    const before = new Map(d.records('jira_issues').map((r) => [`${r.integration_id}/${r.key}`, r]));
    const touched = d.mutate('jira_issues', { insert: 4, update: 5, delete: 3 });
    expect(touched.inserted).toHaveLength(4);
    expect(touched.updated).toHaveLength(5);
    expect(touched.deleted).toHaveLength(3);
    expect(d.count('jira_issues')).toBe(101);
    const after = new Map<string, SeiRecord>(
      d.records('jira_issues').map((r) => [`${r.integration_id}/${r.key}`, r]),
    );
    for (const key of touched.deleted) expect(after.has(key)).toBe(false);
    for (const key of touched.inserted) {
      expect(before.has(key)).toBe(false);
      expect(after.get(key)?.issue_updated_at).toBe(NOW_MS / 1000);
    }
    for (const key of touched.updated) {
      expect(after.get(key)?.issue_updated_at).toBe(NOW_MS / 1000);
      expect(JSON.stringify(after.get(key))).not.toBe(JSON.stringify(before.get(key)));
    }
  });

  it('bumps milliseconds on millisecond streams and never reuses a deleted key', () => {
    const d = dataset(3, 50);
    const touched = d.mutate('cicd_job_runs', { update: 2, delete: 2, insert: 1 });
    for (const r of d.records('cicd_job_runs')) {
      if (touched.updated.includes(r.id as string)) expect(r.end_time).toBe(NOW_MS);
    }
    const users = d.mutate('org_users', { update: 3 });
    expect(users.updated).toHaveLength(3);
    const again = d.mutate('cicd_job_runs', { insert: 3 });
    for (const key of again.inserted) expect(touched.deleted).not.toContain(key);
  });
});

describe('simulator fast fields', () => {
  it('agree with the records they stand in for', () => {
    const d = dataset(13, 200);
    for (const stream of STREAM_NAMES) {
      const state = d.state(stream);
      for (const [field, fast] of Object.entries(state.generator.fastFields)) {
        for (let o = 0; o < state.size; o++) {
          const value = fast(o);
          const expected = state.record(o)[field];
          expect(
            typeof value === 'number' && Number.isNaN(value) ? undefined : value,
            `${stream}.${field}[${o}]`,
          ).toEqual(expected);
        }
      }
    }
  });
});
