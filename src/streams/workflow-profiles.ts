/** `/v1/velocity_configs/list`: workflow profiles (VelocityConfigDTO), how SEI measures lead time and DORA. */

import { defineStream } from './define-stream.js';
import { bool, millis, object, text, texts } from './fields.js';
import { keyFields } from './stream-key.js';

/**
 * Full refresh: no time filter, the sort is ignored (`ORDER BY updated_at DESC`, no tiebreaker), and
 * profiles are few. The record is mostly configuration whose nested shape varies by profile type:
 * the stable top-level fields get columns, the rest stays in `raw`. Instants are `Instant`s (ms).
 */
export const workflowProfilesStream = defineStream({
  name: 'workflow_profiles',
  path: '/v1/velocity_configs/list',
  mode: 'full_refresh',
  sort: [{ id: 'updated_at', desc: true }],
  table: 'workflow_profiles',
  key: keyFields('id'),
  fields: [
    text('name'),
    text('description'),
    // Exactly one profile is the default.
    bool('default_config'),
    bool('is_new'),
    bool('jira_only'),
    texts('integration_families'),
    texts('issue_management_integrations'),
    texts('associated_ou_ref_ids'),
    object('lead_time_for_changes'),
    object('mean_time_to_restore'),
    object('deployment_frequency'),
    object('change_failure_rate'),
    millis('created_at'),
    millis('updated_at'),
  ],
});
