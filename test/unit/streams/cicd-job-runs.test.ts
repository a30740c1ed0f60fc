import { describe, expect, it } from 'vitest';
import { NoteList } from '../../../src/normalize/field-notes.js';
import { cicdJobRunsStream } from '../../../src/streams/cicd-job-runs.js';
import { jobRunRecord, without } from './records.js';

function ok(record: Record<string, unknown>) {
  const result = cicdJobRunsStream.normalize(record, new NoteList());
  if (!result.ok) throw new Error(result.reason);
  return result.row;
}

describe('cicd_job_runs normalize', () => {
  it('maps a finished run to its row (times in ms)', () => {
    const record = jobRunRecord();
    expect(ok(record)).toEqual({
      id: '3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7',
      integration_id: '4200',
      cicd_job_id: '11111111-2222-4333-8444-555555555555',
      job_name: 'deploy-api',
      job_normalized_full_name: 'deploy/deploy-api/main',
      job_run_number: 812,
      instance_guid: null,
      instance_name: 'jenkins-prod',
      project_name: null,
      status: 'SUCCESS',
      start_time: 1_700_000_000_000,
      end_time: 1_700_000_420_000,
      duration_seconds: 420,
      cicd_user_id: 'ada.l',
      scm_url: null,
      scm_commit_ids: ['a94a8fe5ccb19ba61c4c0873d391e987982fbbd3'],
      env: 'prod',
      tags: ['deploy', 'prod'],
      params: [{ name: 'ENVIRONMENT', value: 'prod' }],
      raw: record,
    });
  });

  it('is incremental on end_time (a run is walked once it has finished)', () => {
    expect(cicdJobRunsStream.mode).toBe('incremental');
    if (cicdJobRunsStream.mode === 'incremental') {
      expect(cicdJobRunsStream.cursor).toMatchObject({
        recordField: 'end_time',
        column: 'end_time',
        recordUnit: 'ms',
      });
    }
  });

  it('keeps a run in progress (no end_time, no duration) with nulls', () => {
    const running = without({ ...jobRunRecord(), status: 'RUNNING' }, 'end_time', 'duration');
    const row = ok(running);
    expect(row.end_time).toBeNull();
    expect(row.duration_seconds).toBeNull();
    expect(row.status).toBe('RUNNING');
  });

  it('copes with seconds for ms, string numbers and wrong types', () => {
    const row = ok({
      id: 'r1',
      start_time: 1_700_000_000,
      end_time: '1700000420000',
      job_run_number: '813',
      duration: '7.5',
      integration_id: 4200,
      params: { not: 'a list' },
      tags: [['nested']],
    });
    expect(row.start_time).toEqual(1_700_000_000_000);
    expect(row.end_time).toEqual(1_700_000_420_000);
    expect(row.job_run_number).toBe(813);
    expect(row.duration_seconds).toBeNull();
    expect(row.integration_id).toBe('4200');
    expect(row.params).toBeNull();
    expect(row.tags).toBeNull();
  });

  it('rejects a run without a usable id', () => {
    expect(cicdJobRunsStream.normalize({ ...jobRunRecord(), id: undefined }, new NoteList())).toEqual({
      ok: false,
      reason: 'key field id is missing',
    });
    expect(cicdJobRunsStream.normalize({ ...jobRunRecord(), id: true }, new NoteList())).toEqual({
      ok: false,
      reason: 'key field id is a boolean',
    });
  });
});
