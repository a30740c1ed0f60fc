/**
 * Reads the 2.0 org structure: org trees, each tree's teams (nested) and integrations, each team's
 * developers, and every developer. Shapes are undocumented (see docs/sei-v2.md): fields are read by
 * the names the sources use, every record keeps `raw`. Returns rows for the dimension tables; a call
 * the server does not serve (404) leaves its dimension out (untouched), never empties it.
 */
import { SEI_ERROR_CODES } from '../errors.js';
import { SeiError } from '../extract/sei/errors.js';
import type { V2Client } from './client.js';
import { childrenOf, isLastPage, itemsOf, type Json, textOf } from './read-json.js';

/** How team names are joined into the hierarchy path the export CSVs carry in `Team_Hierarchy`. */
export const HIERARCHY_SEPARATOR = ' > ';

/** The most pages read of one list (a server that never ends cannot loop us forever). */
const MAX_LIST_PAGES = 10_000;

export interface OrgTreeRow {
  org_tree_id: string;
  name: string | null;
  root_team_ref_id: string | null;
  raw: Json;
}

export interface TeamRow {
  team_ref_id: string;
  org_tree_id: string;
  name: string | null;
  parent_ref_id: string | null;
  hierarchy_path: string;
  depth: number;
  leaf: boolean;
  raw: Json;
}

export interface MemberRow {
  team_ref_id: string;
  developer_ref_id: string;
  name: string | null;
  email: string | null;
  raw: Json;
}

export interface IntegrationRow {
  org_tree_id: string;
  integration_id: string;
  name: string | null;
  type: string | null;
  raw: Json;
}

export interface DeveloperRow {
  developer_ref_id: string;
  name: string | null;
  email: string | null;
  team_ref_id: string | null;
  raw: Json;
}

export interface OrgSnapshot {
  trees: OrgTreeRow[];
  teams: TeamRow[] | undefined;
  members: MemberRow[] | undefined;
  integrations: IntegrationRow[] | undefined;
  developers: DeveloperRow[] | undefined;
  /** Records read without an id (not stored). */
  skipped: number;
}

export const treeIdOf = (tree: Json) => textOf(tree, 'id', 'orgTreeId', 'refId', 'identifier', 'uuid');
export const treeNameOf = (tree: Json) => textOf(tree, 'name', 'orgTreeName', 'displayName');

/** Every item of a paged list: NG `pageIndex`/`pageSize`, or Spring `page`/`size`. */
export async function readAllPages(
  client: V2Client,
  path: string,
  paging: { index: string; size: string },
  signal?: AbortSignal,
): Promise<Json[]> {
  const pageSize = client.settings.pageSize;
  const all: Json[] = [];
  for (let index = 0; index < MAX_LIST_PAGES; index++) {
    const { body } = await client.json('GET', path, {
      query: { [paging.index]: String(index), [paging.size]: String(pageSize) },
      ...(signal && { signal }),
    });
    const items = itemsOf(body);
    all.push(...items);
    const last = isLastPage(body, index);
    if (last === true || (last === undefined && items.length < pageSize) || items.length === 0) return all;
  }
  return all;
}

/** The org trees (`GET /v2/org-trees`). */
export function readOrgTrees(client: V2Client, signal?: AbortSignal): Promise<Json[]> {
  return readAllPages(client, '/v2/org-trees', { index: 'pageIndex', size: 'pageSize' }, signal);
}

/** Undefined when the server has no such endpoint (404): that dimension is left as it is. */
async function optional<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof SeiError && error.code === SEI_ERROR_CODES.notFound) return undefined;
    throw error;
  }
}

/** The nested teams of one tree, flattened with their hierarchy path (root first). */
export function flattenTeams(treeId: string, roots: Json[]): { teams: TeamRow[]; skipped: number } {
  const teams: TeamRow[] = [];
  let skipped = 0;
  const visit = (node: Json, parent: TeamRow | undefined, path: string[]) => {
    const id = textOf(node, 'refId', 'teamRefId', 'team_ref_id', 'id');
    const name = textOf(node, 'name', 'teamName', 'displayName') ?? null;
    const children = childrenOf(node, 'children', 'childTeams', 'subTeams', 'teams');
    const here = [...path, name ?? id ?? '?'];
    let row: TeamRow | undefined;
    if (id === undefined) {
      skipped++;
    } else {
      const { children: _nested, ...own } = node;
      row = {
        team_ref_id: id,
        org_tree_id: treeId,
        name,
        parent_ref_id: parent?.team_ref_id ?? textOf(node, 'parentRefId', 'parentId') ?? null,
        hierarchy_path: here.join(HIERARCHY_SEPARATOR),
        depth: here.length - 1,
        leaf: children.length === 0,
        raw: own,
      };
      teams.push(row);
    }
    for (const child of children) visit(child, row ?? parent, here);
  };
  for (const root of roots) visit(root, undefined, []);
  return { teams, skipped };
}

export async function readOrgSnapshot(client: V2Client, signal?: AbortSignal): Promise<OrgSnapshot> {
  const options = signal ? { signal } : {};
  let skipped = 0;
  const trees: OrgTreeRow[] = [];
  const teams: TeamRow[] = [];
  const integrations: IntegrationRow[] = [];
  let teamsServed = true;
  let integrationsServed = true;
  for (const tree of await readOrgTrees(client, signal)) {
    const id = treeIdOf(tree);
    if (id === undefined) {
      skipped++;
      continue;
    }
    trees.push({
      org_tree_id: id,
      name: treeNameOf(tree) ?? null,
      root_team_ref_id: textOf(tree, 'rootTeamRefId', 'rootTeamId', 'rootRefId') ?? null,
      raw: tree,
    });
    const nested = await optional(() =>
      client.json('GET', `/v2/org-trees/${encodeURIComponent(id)}/teams`, options),
    );
    if (nested === undefined) teamsServed = false;
    else {
      const flat = flattenTeams(id, itemsOf(nested.body));
      teams.push(...flat.teams);
      skipped += flat.skipped;
    }
    const served = await optional(() =>
      client.json('GET', `/v2/org-trees/${encodeURIComponent(id)}/integrations`, options),
    );
    if (served === undefined) integrationsServed = false;
    else
      for (const integration of itemsOf(served.body)) {
        const integrationId = textOf(integration, 'id', 'integrationId', 'integration_id');
        if (integrationId === undefined) skipped++;
        else
          integrations.push({
            org_tree_id: id,
            integration_id: integrationId,
            name: textOf(integration, 'name', 'integrationName') ?? null,
            type: textOf(integration, 'type', 'application', 'integrationType') ?? null,
            raw: integration,
          });
      }
  }

  let members: MemberRow[] | undefined = [];
  for (const team of teams) {
    const people = await optional(() =>
      readAllPages(
        client,
        `/v2/teams/${encodeURIComponent(team.team_ref_id)}/developers`,
        { index: 'page', size: 'size' },
        signal,
      ),
    );
    if (people === undefined) {
      members = undefined;
      break;
    }
    for (const person of people) {
      const developerId = textOf(person, 'refId', 'developerRefId', 'id', 'email');
      if (developerId === undefined) skipped++;
      else
        members.push({
          team_ref_id: team.team_ref_id,
          developer_ref_id: developerId,
          name: textOf(person, 'name', 'fullName', 'developerName') ?? null,
          email: textOf(person, 'email', 'developerEmail', 'primaryEmail')?.toLowerCase() ?? null,
          raw: person,
        });
    }
  }

  const everyone = await optional(() =>
    readAllPages(client, '/v2/developers', { index: 'pageIndex', size: 'pageSize' }, signal),
  );
  const developers = everyone?.flatMap((person): DeveloperRow[] => {
    const developerId = textOf(person, 'refId', 'developerRefId', 'id', 'email');
    if (developerId === undefined) {
      skipped++;
      return [];
    }
    return [
      {
        developer_ref_id: developerId,
        name: textOf(person, 'name', 'fullName', 'developerName') ?? null,
        email: textOf(person, 'email', 'developerEmail', 'primaryEmail')?.toLowerCase() ?? null,
        team_ref_id: textOf(person, 'teamRefId', 'teamId') ?? null,
        raw: person,
      },
    ];
  });

  return {
    trees,
    teams: teamsServed ? teams : undefined,
    members,
    integrations: integrationsServed ? integrations : undefined,
    developers,
    skipped,
  };
}
