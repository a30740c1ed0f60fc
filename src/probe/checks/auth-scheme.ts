/**
 * Which words before the key SEI accepts in `Authorization`: one one-record request per word, each on
 * a client of its own sharing the probe's budget, never retried. The key is never shown.
 */
import type { Config } from '../../config.js';
import { createSeiClient, type SeiClient, SeiError } from '../../extract/index.js';
import type { RequestBudget } from '../../extract/sei/budget.js';
import { STREAMS } from '../../streams/registry.js';
import { type Exchange, outcome } from '../session.js';
import type { ProbeRow } from '../types.js';
import { row } from './row.js';

/** The words SEI's documentation shows. */
export const AUTH_SCHEME_WORDS = ['APIKEY', 'ApiKey', 'Bearer'] as const;

export async function checkAuthSchemes(
  config: Config,
  budget: RequestBudget,
  onClient: (client: SeiClient) => void,
): Promise<ProbeRow[]> {
  const stream = STREAMS.integrations;
  const configured = config.sei.authScheme;
  const words = [configured, ...AUTH_SCHEME_WORDS.filter((word) => word !== configured)];
  const rows: ProbeRow[] = [];
  for (const word of words) {
    const client = createSeiClient({ ...config.sei, authScheme: word, maxAttempts: 1 }, budget);
    onClient(client);
    const exchange: Exchange = { request: `POST ${stream.path} page_size=1, Authorization: ${word} <key>` };
    try {
      await client.list(stream.path, { page: 0, page_size: 1, filter: {}, sort: [...stream.sort] });
    } catch (error) {
      if (!(error instanceof SeiError)) throw error;
      exchange.error = error;
    } finally {
      await client.close();
    }
    const status = exchange.error?.status;
    const result =
      exchange.error === undefined ? 'holds' : status === 401 || status === 403 ? 'does_not_hold' : 'unknown';
    const mine = word === configured;
    const action =
      result === 'holds'
        ? mine
          ? 'sends this word (SEI_AUTH_SCHEME)'
          : `would work too (SEI_AUTH_SCHEME=${word})`
        : result === 'does_not_hold'
          ? mine
            ? 'every request fails: set SEI_AUTH_SCHEME to a word this SEI accepts, or check the key'
            : `not used (SEI_AUTH_SCHEME is ${configured})`
          : 'SEI did not answer: run the probe again later';
    rows.push(
      row(
        'auth_scheme',
        null,
        `\`Authorization: ${word} <key>\` is accepted`,
        result,
        `${exchange.request} → ${exchange.error ? outcome(exchange) : '200'}`,
        action,
        result !== 'does_not_hold' || !mine,
      ),
    );
  }
  return rows;
}
