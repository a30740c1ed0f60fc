/**
 * Every migration, in order. A static list (not a folder scan) so that the bundle, the tests and
 * `sei-sync migrate` always agree on what exists. Add new ones at the end; never edit a shipped one.
 */
import type { Migration } from 'kysely';
import * as m001 from './001_sei_tables.js';
import * as m002 from './002_sync_control.js';
import * as m003 from './003_history.js';
import * as m004 from './004_bi_views.js';
import * as m006 from './006_hostile_records.js';

export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '001_sei_tables': m001,
  '002_sync_control': m002,
  '003_history': m003,
  '004_bi_views': m004,
  '006_hostile_records': m006,
};
