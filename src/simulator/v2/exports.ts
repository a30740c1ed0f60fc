/**
 * Export jobs: create (or reuse within 30 minutes), advance by polls, write the CSV once completed.
 *
 * DOCUMENTED (DH): 202 `{exportId (Base36), createdAt, message}`; an identical request within 30 minutes
 * answers 200 "Using existing export" with the earlier job; statuses QUEUED, PROCESSING, COMPLETED,
 * FAILED (productivity lower case, plus cancelled); `downloadUrl` or `download{url, filename, sizeBytes,
 * contentType, compression}`; CSV, gzip by default.
 * CHOSEN: a job moves one state per `pollsPerStep` polls; a failed or cancelled job is not reused;
 * `error` on a failed job; the message texts; which type answers which download shape (./columns.ts).
 */
import { gzipSync } from 'node:zlib';
import { hash32 } from '../random.js';
import { csvField, EXPORT_SPECS, metricValue } from './columns.js';
import type { V2Org } from './org.js';
import type { ExportPlan } from './request.js';
import { EXPORT_REUSE_WINDOW_MS, type ExportFate, type ExportType } from './types.js';

export type ExportStatus = 'QUEUED' | 'PROCESSING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

export interface ExportJob {
  id: string;
  type: ExportType;
  /** The request as compared for reuse. */
  identity: string;
  createdAtMs: number;
  completedAtMs: number | undefined;
  polls: number;
  fate: ExportFate;
  plan: ExportPlan;
  /** Restatements in force when the job was created (later ones do not change it). */
  restatements: readonly string[];
  file: Buffer | undefined;
}

export interface ExportStoreContext {
  seed: number;
  org: V2Org;
  now: () => number;
  pollsPerStep: number;
  fateOf: (type: ExportType) => ExportFate;
}

export class ExportStore {
  readonly jobs = new Map<string, ExportJob>();
  /** `fromDate`s of the restatements so far, in order. */
  readonly #restatements: string[] = [];
  #created = 0;

  constructor(readonly ctx: ExportStoreContext) {}

  /** From now on, exports give new values for every period starting on or after `fromDate`. */
  restate(fromDate: string): void {
    this.#restatements.push(fromDate);
  }

  /** The job for this request: the earlier one when identical within 30 minutes (`reused`), else a new one. */
  create(type: ExportType, identity: string, plan: ExportPlan): { job: ExportJob; reused: boolean } {
    const now = this.ctx.now();
    for (const job of this.jobs.values()) {
      const usable = job.fate !== 'fail' && job.fate !== 'cancel';
      if (
        job.type === type &&
        job.identity === identity &&
        usable &&
        now - job.createdAtMs < EXPORT_REUSE_WINDOW_MS
      ) {
        return { job, reused: true };
      }
    }
    this.#created += 1;
    const id = hash32(this.ctx.seed, 0xe4, this.#created).toString(36) + this.#created.toString(36);
    const job: ExportJob = {
      id,
      type,
      identity,
      createdAtMs: now,
      completedAtMs: undefined,
      polls: 0,
      fate: this.ctx.fateOf(type),
      plan,
      restatements: [...this.#restatements],
      file: undefined,
    };
    this.jobs.set(id, job);
    return { job, reused: false };
  }

  /** One poll: advances the job and answers its status. */
  poll(job: ExportJob): ExportStatus {
    job.polls += 1;
    const status = this.status(job);
    if (
      (status === 'COMPLETED' || status === 'FAILED' || status === 'CANCELLED') &&
      job.completedAtMs === undefined
    ) {
      job.completedAtMs = this.ctx.now();
    }
    return status;
  }

  status(job: ExportJob): ExportStatus {
    const step = this.ctx.pollsPerStep;
    if (job.polls <= step) return 'QUEUED';
    if (job.polls <= 2 * step || job.fate === 'stuck') return 'PROCESSING';
    if (job.fate === 'fail') return 'FAILED';
    if (job.fate === 'cancel') return 'CANCELLED';
    return 'COMPLETED';
  }

  /** The file as downloaded (gzip unless the request said `compression: none`). */
  file(job: ExportJob): Buffer {
    if (!job.file) {
      const csv = Buffer.from(this.csv(job));
      job.file = job.plan.compression === 'gzip' ? gzipSync(csv) : csv;
    }
    return job.file;
  }

  filename(job: ExportJob): string {
    return `${job.type}_export_${job.id}.csv${job.plan.compression === 'gzip' ? '.gz' : ''}`;
  }

  /** The CSV text: one row per team (and developer) per period. */
  csv(job: ExportJob): string {
    const { plan } = job;
    const sprint = plan.granularity === 'SPRINT';
    const header = ['Granularity', 'Team', 'Team_Hierarchy'];
    if (plan.developerLevel) header.push('Developer_Name', 'Developer_Email');
    if (sprint) header.push('Sprint');
    header.push('Start_Date', 'End_Date', ...plan.columns.map((column) => column.name));
    const lines = [header.join(',')];
    for (const team of plan.teams) {
      const developers = plan.developerLevel ? this.ctx.org.developersOf(team.refId) : [undefined];
      for (const developer of developers) {
        for (const period of plan.periods) {
          const revision = job.restatements.filter((from) => from <= period.start).length;
          const cells = [plan.granularity, team.name, team.path.join(' > ')];
          if (developer) cells.push(developer.name, developer.email);
          if (sprint) cells.push(period.sprint ?? '');
          cells.push(period.start, period.end);
          const coordinates = {
            seed: this.ctx.seed,
            type: job.type,
            teamRefId: team.refId,
            periodStart: period.start,
            ...(developer && { developerRefId: developer.refId }),
          };
          for (const column of plan.columns) cells.push(metricValue(coordinates, column, revision));
          lines.push(cells.map(csvField).join(','));
        }
      }
    }
    return `${lines.join('\n')}\n`;
  }

  /** The status answer; `url` is where the file is downloaded. */
  statusJson(job: ExportJob, status: ExportStatus, url: string): Record<string, unknown> {
    const spec = EXPORT_SPECS[job.type];
    const body: Record<string, unknown> = {
      exportId: job.id,
      status: spec.lowerCaseStatus ? status.toLowerCase() : status,
      createdAt: new Date(job.createdAtMs).toISOString(),
      completedAt: job.completedAtMs === undefined ? null : new Date(job.completedAtMs).toISOString(),
    };
    if (status === 'FAILED') body.error = 'Export generation failed';
    if (status !== 'COMPLETED') return body;
    if (spec.download === 'downloadUrl') {
      body.downloadUrl = url;
    } else {
      body.download = {
        url,
        filename: this.filename(job),
        sizeBytes: this.file(job).length,
        contentType: 'text/csv',
        compression: job.plan.compression,
      };
    }
    return body;
  }
}
