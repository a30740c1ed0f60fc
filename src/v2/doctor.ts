/**
 * `sei-sync doctor` for SEI 2.0: which key header and account placement the server accepts (each of
 * the four tried once on `GET /v2/org-trees`), then one line per org call with what the server
 * answered: status, items, the fields of the first item (first contact with undocumented shapes).
 */
import type { V2Client, V2Placement } from './client.js';
import { itemsOf, type Json, textOf } from './read-json.js';
import { V2_ACCOUNT_PLACES, V2_KEY_HEADERS } from './settings.js';

export interface V2ProbeLine {
  ok: boolean;
  message: string;
}

const describePlacement = (p: V2Placement) =>
  `${p.keyHeader === 'authorization' ? 'authorization: ApiKey' : 'x-api-key'}, account in ${p.accountPlace === 'header' ? 'Harness-Account header' : 'account parameter'}`;

function describeAnswer(answer: { status: number; body: unknown; text: string }): string {
  if (answer.status === 0) return `no answer (${answer.text})`;
  if (answer.status < 200 || answer.status >= 300)
    return `${answer.status}${answer.text ? ` "${answer.text.slice(0, 120)}"` : ''}`;
  const items = itemsOf(answer.body);
  const first = items[0];
  const fields = first ? `; fields ${Object.keys(first).slice(0, 8).join(', ')}` : '';
  return `${answer.status}, ${items.length} item${items.length === 1 ? '' : 's'}${fields}`;
}

export async function probeV2(client: V2Client): Promise<V2ProbeLine[]> {
  const lines: V2ProbeLine[] = [];
  const configured: V2Placement = {
    keyHeader: client.settings.keyHeader,
    accountPlace: client.settings.accountPlace,
  };
  const accepted: V2Placement[] = [];
  let trees: Json[] = [];
  for (const keyHeader of V2_KEY_HEADERS) {
    for (const accountPlace of V2_ACCOUNT_PLACES) {
      const placement = { keyHeader, accountPlace };
      const answer = await client.probe('/v2/org-trees', placement, { pageIndex: '0', pageSize: '1' });
      const ok = answer.status >= 200 && answer.status < 300;
      if (ok) {
        accepted.push(placement);
        trees = itemsOf(answer.body);
      }
      const isConfigured = keyHeader === configured.keyHeader && accountPlace === configured.accountPlace;
      lines.push({
        ok: ok || !isConfigured,
        message: `GET /v2/org-trees (${describePlacement(placement)}${isConfigured ? ', configured' : ''}): ${describeAnswer(answer)}`,
      });
    }
  }
  const use = accepted.find(
    (p) => p.keyHeader === configured.keyHeader && p.accountPlace === configured.accountPlace,
  );
  if (!use) {
    const other = accepted[0];
    lines.push({
      ok: false,
      message: other
        ? `the server accepts ${describePlacement(other)}: set SEI_V2_KEY_HEADER=${other.keyHeader} SEI_V2_ACCOUNT_IN=${other.accountPlace}`
        : 'no key placement was accepted: check SEI_V2_API_KEY, SEI_V2_ACCOUNT, SEI_V2_ORG, SEI_V2_PROJECT and SEI_V2_BASE_URL',
    });
    return lines;
  }
  const tree = trees[0];
  const treeId = tree ? textOf(tree, 'id', 'orgTreeId', 'refId') : undefined;
  const rootTeam = tree ? textOf(tree, 'rootTeamRefId', 'rootTeamId') : undefined;
  const calls: [string, Record<string, string>][] = [
    ...(treeId
      ? ([
          [`/v2/org-trees/${encodeURIComponent(treeId)}/teams`, {}],
          [`/v2/org-trees/${encodeURIComponent(treeId)}/integrations`, {}],
        ] as [string, Record<string, string>][])
      : []),
    ...(rootTeam
      ? ([[`/v2/teams/${encodeURIComponent(rootTeam)}/developers`, { page: '0', size: '1' }]] as [
          string,
          Record<string, string>,
        ][])
      : []),
    ['/v2/developers', { pageIndex: '0', pageSize: '1' }],
  ];
  for (const [path, query] of calls) {
    const answer = await client.probe(path, use, query);
    lines.push({
      ok: answer.status >= 200 && answer.status < 300,
      message: `GET ${path}: ${describeAnswer(answer)}`,
    });
  }
  return lines;
}
