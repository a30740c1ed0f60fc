/**
 * The org structure of the simulated 2.0 tenant: org trees, their hierarchical teams, developers.
 *
 * No JSON schema or sample of these answers is published (see ../README.md "SEI 2.0"), so every shape
 * here is CHOSEN: numeric tree ids, numeric team `refId`s (MCP parses `team_ref_id` as an integer),
 * lists in Harness NG's `PageResponse` (`content`, `pageIndex`, `pageSize`, `pageItemCount`,
 * `totalItems`, `totalPages`, `empty`) except team developers, paged Spring-style (`page`, `size`,
 * `totalElements`, `last`) as the different paging parameters suggest. Developers are the 1.0
 * dataset's people (same names and emails), so 1.0 and 2.0 rows join on email.
 */
import { CORE_INTEGRATIONS, type Universe } from '../universe.js';

export interface V2Team {
  refId: number;
  name: string;
  parentRefId: number | null;
  orgTreeId: number;
  /** Names from the root down to this team, e.g. ['Engineering', 'Platform', 'Payments']. */
  path: readonly string[];
  childRefIds: number[];
}

export interface V2Developer {
  refId: string;
  name: string;
  email: string;
  teamRefId: number;
}

export interface V2OrgTree {
  id: number;
  name: string;
  rootTeamRefId: number;
}

/** Tree name → root team → groups → leaf teams (developers sit in the leaves). */
const TREES: ReadonlyArray<{ name: string; groups: ReadonlyArray<[string, readonly string[]]> }> = [
  {
    name: 'Engineering',
    groups: [
      ['Platform', ['Payments', 'Identity']],
      ['Product', ['Web', 'Mobile']],
      ['Data', ['Pipelines', 'Analytics']],
    ],
  },
  { name: 'Security', groups: [['AppSec', ['Red Team', 'Compliance']]] },
];

const CREATED_AT = '2024-06-03T09:00:00.000Z';

export class V2Org {
  readonly trees: V2OrgTree[] = [];
  readonly teams = new Map<number, V2Team>();
  readonly developers: V2Developer[] = [];

  constructor(universe: Universe) {
    TREES.forEach((spec, t) => {
      const id = t + 1;
      const base = 100 * id;
      const root = this.#add(base, spec.name, null, id, [spec.name]);
      this.trees.push({ id, name: spec.name, rootTeamRefId: root.refId });
      let next = base + 1;
      for (const [group, leaves] of spec.groups) {
        const mid = this.#add(next++, group, root, id, [...root.path, group]);
        for (const leaf of leaves) this.#add(next++, leaf, mid, id, [...mid.path, leaf]);
      }
    });
    const leaves = [...this.teams.values()].filter((team) => team.childRefIds.length === 0);
    for (let p = 0; p < universe.personCount; p++) {
      const person = universe.person(p);
      const team = leaves[p % leaves.length] as V2Team;
      this.developers.push({
        refId: String(1001 + p),
        name: person.fullName,
        email: person.email,
        teamRefId: team.refId,
      });
    }
  }

  #add(refId: number, name: string, parent: V2Team | null, orgTreeId: number, path: string[]): V2Team {
    const team: V2Team = {
      refId,
      name,
      parentRefId: parent?.refId ?? null,
      orgTreeId,
      path,
      childRefIds: [],
    };
    parent?.childRefIds.push(refId);
    this.teams.set(refId, team);
    return team;
  }

  tree(id: number): V2OrgTree | undefined {
    return this.trees.find((tree) => tree.id === id);
  }

  /** A team and every team under it, parents before children. */
  subtree(refId: number): V2Team[] {
    const team = this.teams.get(refId);
    if (!team) return [];
    return [team, ...team.childRefIds.flatMap((child) => this.subtree(child))];
  }

  developersOf(teamRefId: number): V2Developer[] {
    return this.developers.filter((developer) => developer.teamRefId === teamRefId);
  }

  // ---- JSON as served (chosen shapes) ----

  treeJson(tree: V2OrgTree) {
    return {
      id: tree.id,
      name: tree.name,
      rootTeamRefId: tree.rootTeamRefId,
      teamCount: this.subtree(tree.rootTeamRefId).length,
      efficiencyProfileId: tree.id * 10 + 1,
      productivityProfileId: tree.id * 10 + 2,
      businessAlignmentProfileId: tree.id * 10 + 3,
      createdAt: CREATED_AT,
      updatedAt: CREATED_AT,
    };
  }

  /** The tree's teams nested: `[{refId, name, parentRefId, leaf, children: [...]}]` from the root. */
  teamsJson(tree: V2OrgTree): unknown[] {
    const nest = (refId: number): unknown => {
      const team = this.teams.get(refId) as V2Team;
      return {
        refId: team.refId,
        name: team.name,
        parentRefId: team.parentRefId,
        leaf: team.childRefIds.length === 0,
        children: team.childRefIds.map(nest),
      };
    };
    return [nest(tree.rootTeamRefId)];
  }

  integrationsJson(): unknown[] {
    return CORE_INTEGRATIONS.map((integration) => ({
      id: integration.id,
      name: integration.name,
      type: integration.application,
    }));
  }

  developerJson(developer: V2Developer) {
    const team = this.teams.get(developer.teamRefId) as V2Team;
    return {
      refId: developer.refId,
      name: developer.name,
      email: developer.email,
      teamRefId: team.refId,
      teamName: team.name,
      orgTreeId: team.orgTreeId,
    };
  }
}

/** Harness NG's PageResponse over `items` (0-based `pageIndex`). */
export function ngPage<T>(items: readonly T[], pageIndex: number, pageSize: number) {
  const content = items.slice(pageIndex * pageSize, (pageIndex + 1) * pageSize);
  return {
    content,
    pageIndex,
    pageSize,
    pageItemCount: content.length,
    totalItems: items.length,
    totalPages: Math.ceil(items.length / pageSize),
    empty: content.length === 0,
  };
}

/** Spring's Page over `items` (0-based `page`). */
export function springPage<T>(items: readonly T[], page: number, size: number) {
  const content = items.slice(page * size, (page + 1) * size);
  const totalPages = Math.ceil(items.length / size);
  return { content, page, size, totalElements: items.length, totalPages, last: page >= totalPages - 1 };
}
