/** `/v1/jira_issues/sprints/list`: Jira sprints (DbJiraSprint), the scope BI measures velocity by. */
import { defineStream } from './define-stream.js';
import { seconds, text } from './fields.js';
import { keyFields } from './stream-key.js';

/**
 * Full refresh: there is no update filter, and the time filters read their bounds with a `(String)`
 * cast (numbers are a 500) while `started_at` is broken (`start_date >= X AND start_date < X`). The
 * server ignores the sort and answers `ORDER BY sprint_id` without a tiebreaker (two Jira sites can
 * both have sprint 412), so the list is read whole in one request. `integration_id` is a number
 * here (a string elsewhere): the key column is text, so sprints join issues. `0` means "not set".
 */
export const jiraSprintsStream = defineStream({
  name: 'jira_sprints',
  path: '/v1/jira_issues/sprints/list',
  mode: 'full_refresh',
  integrationColumn: 'integration_id',
  sort: [{ id: 'sprint_id', desc: false }],
  table: 'jira_sprints',
  key: keyFields('integration_id', 'sprint_id'),
  fields: [
    // SEI's own row id; (integration_id, sprint_id) is what issues' `sprint_ids` refer to.
    text('id'),
    text('name'),
    // ACTIVE, CLOSED or FUTURE (upper case as stored).
    text('state'),
    text('goal'),
    // Jira's `activatedDate` when the sprint has one, else its planned start.
    seconds('started_at', { from: 'start_date' }),
    seconds('planned_end_at', { from: 'end_date' }),
    // The record says `complete_date`; the filter key is `completed_at`.
    seconds('completed_at', { from: 'complete_date' }),
    seconds('updated_at'),
  ],
});
