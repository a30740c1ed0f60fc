import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepareCaptureDir } from '../../../src/capture/format.js';
import { CaptureLimitError, CaptureRecorder } from '../../../src/capture/recorder.js';
import { Redactor } from '../../../src/capture/redact.js';
import { streamOfPath } from '../../../src/capture/run-capture.js';
import type { ListClient, SeiExchange } from '../../../src/extract/sei/client.js';
import { Secret } from '../../../src/secret.js';

const KEY = 'recorder-test-key-93af02';

function exchange(overrides: Partial<SeiExchange> = {}): SeiExchange {
  return {
    method: 'POST',
    path: '/v1/jira_issues/list',
    query: { there_is_no_cache: 'true' },
    requestBody: JSON.stringify({ page: 0, page_size: 2, filter: { integration_ids: ['378'] } }),
    status: 200,
    headers: { 'content-type': 'application/json' },
    responseBody: JSON.stringify({ records: [{ key: 'A-1', summary: 'Jane Doe' }], count: 1 }),
    ...overrides,
  };
}

describe('CaptureRecorder', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'recorder-'));
    prepareCaptureDir(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const files = () => readdirSync(join(dir, 'exchanges')).map((name) => join(dir, 'exchanges', name));

  it('writes one file per exchange, numbered in order, with the stream its path belongs to', () => {
    const recorder = new CaptureRecorder({ dir, pagesPerStream: 5, streamOfPath, secrets: [] });
    recorder.onExchange(exchange());
    recorder.onExchange(
      exchange({ path: '/v1/org/users/list', status: 429, headers: { 'retry-after': '3' } }),
    );
    recorder.onExchange(
      exchange({ path: '/v1/somewhere/else', status: 502, responseBody: '<html>bad</html>' }),
    );
    expect(readdirSync(join(dir, 'exchanges'))).toEqual([
      '000001-jira_issues.json',
      '000002-org_users.json',
      '000003-unknown.json',
    ]);
    const [first, second, third] = files().map((file) => JSON.parse(readFileSync(file, 'utf8')));
    expect(first.request.body).toEqual({ page: 0, page_size: 2, filter: { integration_ids: ['378'] } });
    expect(first.response.body.records[0].summary).toBe('Jane Doe');
    expect(second.response).toMatchObject({ status: 429, headers: { 'retry-after': '3' } });
    expect(third.response).toEqual({
      status: 502,
      headers: { 'content-type': 'application/json' },
      bodyText: '<html>bad</html>',
    });
  });

  it('never writes the key, even where the server echoes it (in JSON, in text, escaped)', () => {
    const recorder = new CaptureRecorder({
      dir,
      pagesPerStream: 5,
      streamOfPath,
      secrets: [new Secret(KEY)],
    });
    recorder.onExchange(exchange({ responseBody: JSON.stringify({ records: [], echo: `APIKEY ${KEY}` }) }));
    recorder.onExchange(exchange({ status: 401, responseBody: `<p>bad header: APIKEY ${KEY}</p>` }));
    recorder.onExchange(exchange({ requestBody: JSON.stringify({ page: 0, filter: { note: KEY } }) }));
    expect(files()).toHaveLength(3);
    for (const file of files()) expect(readFileSync(file).includes(KEY)).toBe(false);
  });

  it('redacts request and response bodies alike, with one redactor', () => {
    const recorder = new CaptureRecorder({
      dir,
      pagesPerStream: 5,
      streamOfPath,
      secrets: [],
      redactor: new Redactor(Buffer.from('salt')),
    });
    recorder.onExchange(exchange());
    const text = readFileSync(files()[0] as string, 'utf8');
    expect(text).not.toContain('Jane Doe');
    expect(JSON.parse(text).response.body.records[0].key).toBe('A-1');
  });

  it('refuses a stream its page past --pages, and only that stream', async () => {
    const recorder = new CaptureRecorder({ dir, pagesPerStream: 2, streamOfPath, secrets: [] });
    const answered: string[] = [];
    const client = recorder.limit({
      list: async (path) => {
        answered.push(path);
        return { response: { records: [] }, attempts: 1, retries: 0, rateLimited: 0 };
      },
    } as ListClient);
    await client.list('/v1/jira_issues/list', { page: 0 });
    await client.list('/v1/jira_issues/list', { page: 1 });
    await expect(client.list('/v1/jira_issues/list', { page: 2 })).rejects.toBeInstanceOf(CaptureLimitError);
    await client.list('/v1/org/users/list', { page: 0 });
    expect(answered).toEqual(['/v1/jira_issues/list', '/v1/jira_issues/list', '/v1/org/users/list']);
    expect(recorder.tally('jira_issues')).toMatchObject({ pages: 2, limitReached: true });
    expect(recorder.tally('org_users')).toMatchObject({ pages: 1, limitReached: false });
  });
});
