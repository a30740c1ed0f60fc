/** `/v1/issue_mgmt/workitems/list`: Azure DevOps work items, one row per item and integration. */
import { defineStream } from './define-stream.js';
import { bigint, bool, float, integer, object, seconds, text, texts } from './fields.js';
import { keyFields } from './stream-key.js';
import { trackerTextColumns } from './tracker-fields.js';

/**
 * Cursor: `workitem_updated_at`, Azure DevOps' own change time as SEI ingested it into the latest daily
 * snapshot (a change always moves it forward, so a window on it sees every change). The server always
 * sorts by it ascending (`workitem_id` breaks ties), whatever is asked. Pages come from each
 * integration's latest snapshot (`ingested_at`); a walk that sees two is re-read.
 */
export const workitemsStream = defineStream({
  name: 'workitems',
  path: '/v1/issue_mgmt/workitems/list',
  mode: 'incremental',
  integrationColumn: 'integration_id',
  forceDatabaseSource: true,
  cursor: {
    filter: { field: 'workitem_updated_at', boundType: 'number', inclusive: false },
    recordField: 'workitem_updated_at',
    recordUnit: 's',
    column: 'workitem_updated_at',
    serverOrder: 'asc',
  },
  snapshotField: 'ingested_at',
  // Without it the records carry no sprint: WorkItemsService adds `sprint_full_names` only when asked.
  baseFilter: { include_sprint_full_names: true },
  table: 'workitems',
  // `id` is a UUID SEI assigns per ingestion; `workitem_id` within its integration is the identity.
  key: keyFields('integration_id', 'workitem_id'),
  fields: [
    ...trackerTextColumns('workitem_type', 'parent_workitem_id'),
    // SEI's work item model names it `story_point`; accept the Jira spelling too.
    float('story_points', { from: ['story_point', 'story_points'] }),
    text('resolution'),
    bool('is_active'),
    integer('desc_size'),
    integer('hops'),
    integer('bounces'),
    integer('num_attachments'),
    bigint('original_estimate'),
    seconds('workitem_created_at'),
    seconds('workitem_updated_at'),
    seconds('workitem_resolved_at'),
    seconds('workitem_due_at'),
    seconds('first_comment_at'),
    seconds('ingested_at'),
    texts('labels'),
    texts('fix_versions'),
    texts('versions'),
    texts('components', { from: ['components', 'component_list'] }),
    texts('sprint_ids'),
    object('custom_fields'),
    object('attributes'),
    // Iteration paths: workitem_sprints' `parent_sprint` + `\` + `name` (migration 008).
    texts('sprint_full_names'),
  ],
});
