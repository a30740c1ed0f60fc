/**
 * The pure parts of the DORA snapshot streams: the day windows the requests ask for, the identity of a
 * drilldown row per source, and the normalizers over the records the walk builds (SEI's answer kept
 * in `raw`, lead time read in the server's shape and in the documented one).
 */
import { describe, expect, it } from 'vitest';
import { drilldownRowId } from '../../../src/dora/walker.js';
import { trailingDays, utcDate } from '../../../src/dora/windows.js';
import { NoteList } from '../../../src/normalize/field-notes.js';
import {
  doraBucketsStream,
  doraDrilldownStream,
  doraSnapshotsStream,
  seiContributorsStream,
} from '../../../src/streams/dora.js';

const DAY = 86_400;
/** 2024-12-01T00:00:00Z */
const DEC_1 = 1_733_011_200;

describe('DORA windows', () => {
  it('ends with the last second of yesterday and starts at midnight, N whole days', () => {
    const window = trailingDays(new Date((DEC_1 + 5 * 3600) * 1000), 90);
    expect(window).toEqual({ gt: DEC_1 - 90 * DAY, lt: DEC_1 - 1 });
    expect(utcDate(new Date(window.gt * 1000))).toBe('2024-09-02');
  });

  it('a backfill horizon shortens the window, never lengthens it', () => {
    const asOf = new Date(DEC_1 * 1000);
    expect(trailingDays(asOf, 90, new Date('2024-11-20T10:00:00Z')).gt).toBe(DEC_1 - 11 * DAY);
    expect(trailingDays(asOf, 90, new Date('2020-01-01T00:00:00Z')).gt).toBe(DEC_1 - 90 * DAY);
    // A horizon at or after today still asks for yesterday (the server refuses an empty range).
    expect(trailingDays(asOf, 90, new Date('2024-12-01T00:00:00Z'))).toEqual({
      gt: DEC_1 - DAY,
      lt: DEC_1 - 1,
    });
  });
});

describe('drilldown row identity', () => {
  it('names each source the way its DTO identifies a row', () => {
    expect(drilldownRowId({ idCicd: 'run-1', cicd_job_id: 'job' })).toEqual({ id: 'run-1', source: 'CICD' });
    expect(drilldownRowId({ key: 'PROJ-1', integration_id_im: '12', id: 'x' })).toEqual({
      id: '12:PROJ-1',
      source: 'IM',
    });
    expect(drilldownRowId({ id: 'pr-uuid', integration_id: '4021' })).toEqual({
      id: '4021:pr-uuid',
      source: 'SCM',
    });
    expect(drilldownRowId({ commit_sha: 'abc' })).toEqual({ id: 'abc', source: 'SCM' });
    expect(drilldownRowId({})).toBeUndefined();
  });
});

describe('DORA normalizers', () => {
  it('a day bucket: its instant, count and dd-MM-yyyy key; unknown fields stay in raw', () => {
    const record = {
      key: DEC_1,
      count: 3,
      additional_key: '01-12-2024',
      stacks: [{ key: 'deploy', count: 3 }],
      collection_id: '76',
      metric: 'deployment_frequency',
      day: '2024-12-01',
      profile_id: 'p',
      source: 'SCM',
    };
    const result = doraBucketsStream.normalize(record, new NoteList());
    expect(result).toMatchObject({
      ok: true,
      row: { collection_id: '76', metric: 'deployment_frequency', day: '2024-12-01', count: 3, raw: record },
    });
    expect(result.ok && result.row.bucket_start).toEqual(new Date(DEC_1 * 1000));
  });

  it('lead time stages in the server shape (p90/p95) and the documented one (min/max) are both kept', () => {
    const stages = [
      { key: 'Merge Time', median: 3600, mean: 4000.5, count: 3, p90: 7200, p95: 8000 },
      { key: 'Deploy', median: 60, mean: 61, count: 2, min: 10, max: 120 },
    ];
    const result = doraSnapshotsStream.normalize(
      {
        snapshot_date: '2024-12-01',
        collection_id: '76',
        metric: 'lead_time',
        stages,
        window_start: DEC_1 - 30 * DAY,
      },
      new NoteList(),
    );
    expect(result).toMatchObject({
      ok: true,
      row: { stages, window_start: new Date((DEC_1 - 30 * DAY) * 1000) },
    });
  });

  it('a CI/CD drilldown row with epoch-ms times and a contributor', () => {
    const run = doraDrilldownStream.normalize(
      {
        collection_id: '77',
        widget: 'change_failure_rate',
        row_id: 'r1',
        deployed_at: DEC_1 * 1000,
        status: 'FAILURE',
      },
      new NoteList(),
    );
    expect(run.ok && run.row.deployed_at).toEqual(new Date(DEC_1 * 1000));
    const contributor = seiContributorsStream.normalize(
      {
        snapshot_date: '2024-12-01',
        org_user_id: 'u1',
        org_user_ref_id: '17',
        integration_user_details: [
          { integration_type: 'github' },
          { integration_type: 'gitlab' },
          { integration_type: 'github' },
        ],
      },
      new NoteList(),
    );
    expect(contributor).toMatchObject({
      ok: true,
      row: { integration_user_count: 3, integration_types: ['github', 'gitlab'] },
    });
  });
});
