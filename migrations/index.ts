/**
 * Every migration, in order. A static list (not a folder scan) so that the bundle, the tests and
 * `sei-sync migrate` always agree on what exists. Add new ones at the end; never edit a shipped one.
 *
 * A migration that adds a typed column to a `sei` table (or a child table) must say in its header
 * comment that `sei-sync renormalize --streams <stream>` fills it: rows already stored get NULL from
 * the migration, and the next sync rewrites only the rows SEI changed, so renormalize is what
 * re-derives the column from every row's stored `raw`, without an API call. The same goes for a
 * normalizer whose output changes (a fix, a new unit): say so in the commit and the release notes.
 */
import type { Migration } from 'kysely';
import * as m001 from './001_sei_tables.js';
import * as m002 from './002_sync_control.js';
import * as m003 from './003_history.js';
import * as m004 from './004_bi_views.js';
import * as m005 from './005_walk_slices.js';
import * as m006 from './006_hostile_records.js';
import * as m007 from './007_renormalize.js';
import * as m008 from './008_more_streams.js';
import * as m009 from './009_write_path.js';
import * as m010 from './010_verify.js';
import * as m011 from './011_more_bi_views.js';
import * as m012 from './012_run_owners.js';
import * as m013 from './013_degraded_streams.js';
import * as m014 from './014_sei_v2.js';
import * as m015 from './015_dora.js';
import * as m016 from './016_slice_claims.js';
import * as m017 from './017_walk_pass_start.js';
import * as m018 from './018_slice_pages_ahead.js';

export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '001_sei_tables': m001,
  '002_sync_control': m002,
  '003_history': m003,
  '004_bi_views': m004,
  '005_walk_slices': m005,
  '006_hostile_records': m006,
  '007_renormalize': m007,
  '008_more_streams': m008,
  '009_write_path': m009,
  '010_verify': m010,
  '011_more_bi_views': m011,
  '012_run_owners': m012,
  '013_degraded_streams': m013,
  '014_sei_v2': m014,
  '015_dora': m015,
  '016_slice_claims': m016,
  '017_walk_pass_start': m017,
  '018_slice_pages_ahead': m018,
};
