/**
 * The collections worth a DORA request: live `sei.org_units` rows that name a workflow profile
 * (`workflow_profile_id` in the record; the server has no inheritance, so a collection without its own
 * profile answers 500). A collection deleted from SEI is no longer live, so it is no longer snapshotted;
 * its rows and history stay. The profile (`sei.workflow_profiles`) says where deployments come from.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../state/schema.js';

export interface DoraCollection {
  id: string;
  name: string | null;
  profileId: string;
  /** `SCM` | `IM` | `CICD` from the profile's deployment frequency section, when the profile is synced. */
  source: string | null;
  /** The field SEI counts deployments by (`pr_merged_at`, `end_time`, `issue_resolved_at`, ...). */
  calculationField: string | null;
  /** The lead time section starts at a commit / PR (SCM velocity) rather than at a ticket. */
  leadTimeFromCommits: boolean;
  mttrFromCommits: boolean;
}

export interface CollectionsToSnapshot {
  withProfile: DoraCollection[];
  /** Ref ids of live collections without a workflow profile (skipped, named in the summary). */
  withoutProfile: string[];
  /** Ref ids of collections whose profile the warehouse saw deleted (SEI answers 500 for them). */
  profileDeleted: string[];
}

interface UnitRow {
  id: string;
  name: string | null;
  profile_id: string | null;
  source: string | null;
  calculation_field: string | null;
  lead_from_commits: boolean | null;
  mttr_from_commits: boolean | null;
  profile_deleted: boolean | null;
}

export async function collectionsToSnapshot(db: Kysely<Database>): Promise<CollectionsToSnapshot> {
  const { rows } = await sql<UnitRow>`
    SELECT u.id, u.name, nullif(u.raw->>'workflow_profile_id', '') AS profile_id,
      p.deployment_frequency #>> '{filters,deployment_frequency,integration_type}' AS source,
      p.deployment_frequency #>> '{filters,deployment_frequency,calculation_field}' AS calculation_field,
      (p.lead_time_for_changes->>'starting_event_is_commit_created')::boolean AS lead_from_commits,
      (p.mean_time_to_restore->>'starting_event_is_commit_created')::boolean AS mttr_from_commits,
      p.deleted_at IS NOT NULL AS profile_deleted
    FROM sei.org_units u
    LEFT JOIN sei.workflow_profiles p ON p.id = u.raw->>'workflow_profile_id'
    WHERE u.deleted_at IS NULL
    ORDER BY length(u.id), u.id`.execute(db);
  const withProfile: DoraCollection[] = [];
  const withoutProfile: string[] = [];
  const profileDeleted: string[] = [];
  for (const row of rows) {
    if (row.profile_id === null) {
      withoutProfile.push(row.id);
      continue;
    }
    // A profile the warehouse has never seen (workflow_profiles not synced) is still asked for.
    if (row.profile_deleted === true) {
      profileDeleted.push(row.id);
      continue;
    }
    withProfile.push({
      id: row.id,
      name: row.name,
      profileId: row.profile_id,
      source: row.source,
      calculationField: row.calculation_field,
      leadTimeFromCommits: row.lead_from_commits ?? false,
      mttrFromCommits: row.mttr_from_commits ?? false,
    });
  }
  return { withProfile, withoutProfile, profileDeleted };
}
