/** `/v1/cicd/instances/list`: CI/CD instances (Jenkins masters, Harness accounts, ...): CICDInstance. */
import { defineStream } from './define-stream.js';
import { millis, object, text } from './fields.js';
import { keyFields } from './stream-key.js';

/**
 * Full refresh, although `updated_at` is filterable (strings, exclusive): every plugin heartbeat
 * moves it (and `last_hb_at`), so an incremental walk would read every live instance each run anyway,
 * and only a complete read notices an instance removed. Instances are few; one request reads them.
 * Expect a changed row (and a history version) per live instance and run: the heartbeat is data.
 */
export const cicdInstancesStream = defineStream({
  name: 'cicd_instances',
  path: '/v1/cicd/instances/list',
  mode: 'full_refresh',
  integrationColumn: 'integration_id',
  sort: [{ id: 'created_at', desc: false }],
  table: 'cicd_instances',
  key: keyFields('id'),
  fields: [
    text('name'),
    text('url'),
    // Absent for an instance not yet attached to an integration.
    text('integration_id'),
    text('type'),
    object('config'),
    object('details'),
    millis('config_updated_at'),
    millis('last_hb_at'),
    millis('created_at'),
    millis('updated_at'),
  ],
});
