/**
 * The normalizers of the streams of issue 14 on the research examples (server-facts-new-streams.md):
 * keys, units and the fields whose name or type differs between record and column.
 */
import { describe, expect, it } from 'vitest';
import type { SeiRecord } from '../../../src/extract/sei/types.js';
import { NoteList } from '../../../src/normalize/field-notes.js';
import { normalizeRecord } from '../../../src/normalize/record.js';
import { withoutRequestTime } from '../../../src/streams/pagerduty-alerts.js';
import { STREAMS } from '../../../src/streams/registry.js';
import type { Row, StreamName } from '../../../src/streams/types.js';
import { at, REALISTIC_RECORDS } from './records.js';

function row(stream: StreamName, record: SeiRecord = REALISTIC_RECORDS[stream]()): Row {
  const notes = new NoteList();
  const result = STREAMS[stream].normalize(record, notes);
  if (!result.ok) throw new Error(`${stream}: ${result.reason}`);
  expect(notes.notes).toEqual([]);
  return result.row;
}

describe('normalizers of the streams added since (issue 14)', () => {
  it('jira_sprints: key (integration_id, sprint_id) as text although both are numbers; complete_date is completed_at', () => {
    expect(row('jira_sprints')).toMatchObject({
      integration_id: '5',
      sprint_id: '412',
      state: 'CLOSED',
      started_at: at(1_709_510_400),
      planned_end_at: at(1_710_720_000),
      completed_at: at(1_710_745_200),
    });
    // 0 means "not set": an active sprint has no completion yet.
    expect(
      row('jira_sprints', { ...REALISTIC_RECORDS.jira_sprints(), complete_date: 0 }).completed_at,
    ).toBeNull();
  });

  it('jira_fields and jira_projects: keyed within their Jira site; the project key is a column, not the key', () => {
    expect(row('jira_fields')).toMatchObject({
      integration_id: '5',
      field_key: 'customfield_10016',
      name: 'Story Points',
    });
    expect(row('jira_projects')).toMatchObject({
      integration_id: '5',
      cloud_id: '10001',
      project_key: 'PLAT',
      components: ['api', 'billing'],
    });
  });

  it('workitem_sprints: Timestamp instants in epoch seconds', () => {
    expect(row('workitem_sprints')).toMatchObject({
      integration_id: '9',
      sprint_id: '6f3a1c9e-2b4d-4e8f-9a1b-3c5d7e9f1a2b',
      parent_sprint: 'Contoso\\2024',
      start_date: at(1_709_510_400),
      completed_date: at(1_710_720_000),
    });
  });

  it('user_identities: cloudId and the list called email', () => {
    expect(row('user_identities')).toMatchObject({
      id: '0d4c5b1e-7a2f-4c3b-9e8d-1f2a3b4c5d6e',
      cloud_id: 'jdoe',
      emails: ['jane.doe@example.com'],
      updated_at: at(1_712_102_400),
    });
  });

  it('scm_issues: keyed by where the issue lives (id changes on every re-ingestion); project may be ""', () => {
    const issue = REALISTIC_RECORDS.scm_issues();
    expect(row('scm_issues')).toMatchObject({ number: 412, issue_closed_at: at(1_709_890_000) });
    expect(STREAMS.scm_issues.recordKey(issue)).toBe('3:acme/api:acme:2003456789');
    expect(STREAMS.scm_issues.recordKey({ ...issue, id: 'another-uuid' })).toBe('3:acme/api:acme:2003456789');
    expect(row('scm_issues', { ...issue, project: '' })).toMatchObject({ project: '' });
    expect(STREAMS.scm_issues.normalize({ ...issue, project: undefined }, new NoteList())).toEqual({
      ok: false,
      reason: 'key field project is missing',
    });
  });

  it('cicd_job_run_tests: the run times in ms, the duration in seconds (a float)', () => {
    expect(row('cicd_job_run_tests')).toMatchObject({
      status: 'FAILED',
      duration_seconds: 0.412,
      job_run_number: '1842',
      end_time: at(1_712_050_795),
    });
  });

  it('cicd_instances and cicd_jobs: Instants in ms; jobs as the endpoint would serve them, or derived', () => {
    expect(row('cicd_instances')).toMatchObject({ last_hb_at: at(1_712_102_340), integration_id: '21' });
    expect(row('cicd_jobs')).toMatchObject({ name: 'billing-ci', derived_from: null });
    expect(
      row('cicd_jobs', {
        id: 'j-1',
        name: 'api-build',
        integration_id: '6011',
        derived_from: 'cicd_job_runs',
      }),
    ).toMatchObject({ integration_id: '6011', derived_from: 'cicd_job_runs' });
  });

  it('pagerduty_incidents: ms instants, 0 for never acknowledged, and the seconds-as-ms updated_at', () => {
    expect(row('pagerduty_incidents')).toMatchObject({
      created_at: at(1_709_823_600),
      acknowledged_at: at(1_709_824_100),
      resolved_at: at(1_709_826_300),
      // 1709826000 "ms" is what SEI serves: the seconds, floored to 1000 s.
      updated_at: at(1_709_826_000),
    });
    expect(
      row('pagerduty_incidents', { ...REALISTIC_RECORDS.pagerduty_incidents(), incident_acknowledged_at: 0 })
        .acknowledged_at,
    ).toBeNull();
  });

  it('pagerduty_alerts: the request-time acknowledgement of an alert not acknowledged is not stored', () => {
    const alert = REALISTIC_RECORDS.pagerduty_alerts();
    const stored = normalizeRecord(STREAMS.pagerduty_alerts, alert);
    if (!stored.ok) throw new Error(stored.reason);
    expect(stored.record).not.toHaveProperty('alert_acknowledged_at');
    expect(stored.row.acknowledged_at).toBeNull();
    const acknowledged = { ...alert, status: 'acknowledged' };
    expect(withoutRequestTime(acknowledged)).toBe(acknowledged);
    expect(row('pagerduty_alerts', acknowledged).acknowledged_at).toEqual(at(1_718_031_112));
  });

  it('products and workflow_profiles: camelCase orgIdentifier, epoch s vs ms', () => {
    expect(row('products')).toMatchObject({
      org_identifier: 'defaultOrg',
      product_key: 'DEFAULT',
      integration_ids: ['3', '5'],
      updated_at: at(1_711_000_000),
    });
    expect(row('workflow_profiles')).toMatchObject({
      default_config: true,
      updated_at: at(1_711_000_000),
      integration_families: ['ISSUE_MANAGEMENT', 'SCM_PRS'],
    });
  });
});
