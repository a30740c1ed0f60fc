/**
 * The small, shared world every stream refers to: integrations, people (with their identities in
 * each tool), external users, collections and categories. Big streams pick their integration ids,
 * assignees, PR creators and commit authors from here, so BI joins across tables find each other.
 */
import { hash32, Rng } from './random.js';

/** Tags that keep the per-stream random sequences apart. */
export const STREAM_TAGS = {
  integrations: 1,
  jira_issues: 2,
  workitems: 3,
  scm_pull_requests: 4,
  scm_commits: 5,
  cicd_job_runs: 6,
  org_users: 7,
  org_units: 8,
  collection_categories: 9,
  people: 10,
  mutations: 11,
  faults: 12,
  shuffles: 13,
  hostile: 14,
  jira_sprints: 15,
  jira_fields: 16,
  jira_projects: 17,
  workitem_sprints: 18,
  user_identities: 19,
  scm_issues: 20,
  cicd_job_run_tests: 21,
  cicd_instances: 22,
  cicd_jobs: 23,
  pagerduty_incidents: 24,
  pagerduty_alerts: 25,
  products: 26,
  workflow_profiles: 27,
} as const;

export type Application = 'jira' | 'github' | 'azure_devops' | 'jenkins' | 'harnessng' | 'pagerduty';

export interface IntegrationSpec {
  id: string;
  name: string;
  application: Application;
}

/**
 * The first integrations, always in this order; records of the big streams refer to these ids.
 * (Extra integrations, when more are asked for, exist but own no records.)
 */
export const CORE_INTEGRATIONS: readonly IntegrationSpec[] = [
  { id: '378', name: 'Jira Cloud', application: 'jira' },
  { id: '4021', name: 'GitHub', application: 'github' },
  { id: '5122', name: 'Azure DevOps Boards', application: 'azure_devops' },
  { id: '6011', name: 'Jenkins Production', application: 'jenkins' },
  { id: '7003', name: 'Harness CD', application: 'harnessng' },
  { id: '4022', name: 'GitHub Enterprise', application: 'github' },
  { id: '379', name: 'Jira Data Center', application: 'jira' },
  { id: '8101', name: 'PagerDuty', application: 'pagerduty' },
];

export const JIRA_INTEGRATION_IDS = ['378', '379'] as const;
export const GITHUB_INTEGRATION_IDS = ['4021', '4022'] as const;
export const AZURE_INTEGRATION_ID = '5122';
export const PAGERDUTY_INTEGRATION_ID = '8101';
export const CICD_INTEGRATIONS = [
  { id: '6011', instance: 'jenkins-prod' },
  { id: '7003', instance: 'harness-cd' },
] as const;

const FIRST_NAMES = [
  'Pelageya',
  'Gershon',
  'Emil',
  'Tilda',
  'Kibwe',
  'Karan',
  'Karoline',
  'Hariman',
  'Cezara',
  'Chinmay',
  'Arjun',
  'Mukesh',
  'Olga',
  'Sankar',
  'Gustav',
  'Thomas',
  'Mahesh',
  'Megha',
  'Amara',
  'Bruno',
  'Chiara',
  'Dmitri',
  'Elif',
  'Farah',
  'Goran',
  'Hana',
  'Ines',
  'Jonas',
  'Keiko',
  'Lars',
  'Mei',
  'Nadia',
] as const;
const LAST_NAMES = [
  'Rakhi',
  'Shif',
  'Adrijan',
  'Fırat',
  'Leanne',
  'Cardea',
  'Bernadine',
  'Amjad',
  'Tiedemann',
  'Joshi',
  'Signe',
  'Kumar',
  'Clemens',
  'Gigi',
  'Emirhan',
  'Jones',
  'Tamvada',
  'Okafor',
  'Lindqvist',
  'Moreau',
  'Nakamura',
  'Petrov',
  'Quispe',
  'Rossi',
  'Santos',
  'Tanaka',
  'Ueda',
  'Varga',
  'Weber',
  'Yilmaz',
  'Zhou',
] as const;

export interface Person {
  index: number;
  /** The org user (contributor) id. */
  orgUserId: string;
  fullName: string;
  email: string;
  jiraAccountId: string;
  githubLogin: string;
  jenkinsLogin: string;
}

export interface ExternalUser {
  index: number;
  fullName: string;
  integrationId: string;
  userId: string;
}

export interface UniverseSizes {
  integrations: number;
  orgUsers: number;
  orgUnits: number;
  categories: number;
}

function ascii(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
}

/** Roughly one org user in eight is a dangling "External User" row (id "0"). */
export function externalUserCount(orgUsers: number): number {
  return orgUsers === 0 ? 0 : Math.max(1, Math.floor(orgUsers / 8));
}

export class Universe {
  readonly personCount: number;
  readonly externalCount: number;
  readonly #people = new Map<number, Person>();
  readonly #externals = new Map<number, ExternalUser>();

  constructor(
    readonly seed: number,
    readonly sizes: UniverseSizes,
  ) {
    this.externalCount = externalUserCount(sizes.orgUsers);
    // Records need someone to point at even when the org users stream is configured empty.
    this.personCount = Math.max(1, sizes.orgUsers - this.externalCount);
  }

  person(index: number): Person {
    const p = index % this.personCount;
    let person = this.#people.get(p);
    if (!person) {
      const rng = new Rng(hash32(this.seed, 10, p));
      const first = FIRST_NAMES[p % FIRST_NAMES.length] as string;
      const lastIndex = (Math.floor(p / FIRST_NAMES.length) * 7 + p) % LAST_NAMES.length;
      const last = LAST_NAMES[lastIndex] as string;
      const round = Math.floor(p / (FIRST_NAMES.length * LAST_NAMES.length));
      const fullName = round === 0 ? `${first} ${last}` : `${first} ${last} ${round + 1}`;
      const handle = `${ascii(first)}.${ascii(last)}${round === 0 ? '' : round + 1}`;
      person = {
        index: p,
        orgUserId: rng.uuid(),
        fullName,
        email: `${handle}@example.com`,
        jiraAccountId: `712020:${rng.uuid()}`,
        githubLogin: `${ascii(first)}-${ascii(last)}${round === 0 ? '' : round + 1}`,
        jenkinsLogin: handle,
      };
      this.#people.set(p, person);
    }
    return person;
  }

  /** External users have no org identity: they are Jira or GitHub accounts nobody mapped. */
  external(index: number): ExternalUser {
    const e = index % Math.max(1, this.externalCount);
    let external = this.#externals.get(e);
    if (!external) {
      const rng = new Rng(hash32(this.seed, 10, 1_000_000 + e));
      const onJira = e % 2 === 0;
      external = {
        index: e,
        fullName: `External User${100_000_000 + rng.int(900_000_000)}`,
        integrationId: onJira ? '378' : '4021',
        userId: onJira ? `712020:${rng.uuid()}` : `ext-${rng.hex(8)}`,
      };
      this.#externals.set(e, external);
    }
    return external;
  }

  /** A GitHub login: mostly people's, sometimes an unmapped external account (a dangling reference). */
  githubLogin(rng: Rng, integrationId: string): string {
    if (this.externalCount > 0 && rng.chance(0.04)) {
      const external = this.external(1 + 2 * rng.int(Math.max(1, Math.floor(this.externalCount / 2))));
      if (external.integrationId === integrationId) return external.userId;
    }
    return this.person(rng.int(this.personCount)).githubLogin;
  }
}
