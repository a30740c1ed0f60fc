/** The SEI list endpoints the simulator serves, with each one's paging quirks (see README, "SEI API notes"). */
import type { PageSizeParam } from '../sei/types.js';
import type { StreamName } from '../streams/types.js';

export type TotalCountSemantics = 'total' | 'page';
export type HasNextRule = 'page_full' | 'total_exceeds_page';

export interface SimEndpoint {
  /** Relative to the base URL. */
  path: string;
  stream: StreamName;
  pageSizeParam: PageSizeParam;
  maxPageSize?: number;
  hasNext: HasNextRule;
  /** Org units report the records on the current page as `total_count`. */
  totalCount: TotalCountSemantics;
  /** Org users put `non_users_count` beside `_metadata`. */
  nonUsersCount?: boolean;
}

export const SIM_ENDPOINTS: readonly SimEndpoint[] = [
  {
    path: '/v1/integrations/list',
    stream: 'integrations',
    pageSizeParam: 'page_size',
    hasNext: 'page_full',
    totalCount: 'total',
  },
  {
    path: '/v1/jira_issues/list',
    stream: 'jira_issues',
    pageSizeParam: 'page_size',
    maxPageSize: 10_000,
    hasNext: 'page_full',
    totalCount: 'total',
  },
  {
    path: '/v1/issue_mgmt/workitems/list',
    stream: 'workitems',
    pageSizeParam: 'page_size',
    hasNext: 'page_full',
    totalCount: 'total',
  },
  {
    path: '/v1/scm/prs/list',
    stream: 'scm_pull_requests',
    pageSizeParam: 'page_size',
    hasNext: 'page_full',
    totalCount: 'total',
  },
  {
    path: '/v1/scm/commits/list',
    stream: 'scm_commits',
    pageSizeParam: 'page_size',
    hasNext: 'page_full',
    totalCount: 'total',
  },
  {
    path: '/v1/cicd/job_runs/list',
    stream: 'cicd_job_runs',
    pageSizeParam: 'page_size',
    hasNext: 'page_full',
    totalCount: 'total',
  },
  {
    path: '/v1/org/users/list',
    stream: 'org_users',
    pageSizeParam: 'page_size',
    hasNext: 'total_exceeds_page',
    totalCount: 'total',
    nonUsersCount: true,
  },
  {
    path: '/v1/org/units/list',
    stream: 'org_units',
    pageSizeParam: 'page_size',
    hasNext: 'page_full',
    totalCount: 'page',
  },
  {
    path: '/v1/org/workspaces/units/list',
    stream: 'collection_categories',
    pageSizeParam: 'pageSize',
    hasNext: 'page_full',
    totalCount: 'total',
  },
];

/** The page size the server uses when the request gives none. */
export const SERVER_DEFAULT_PAGE_SIZE = 1000;

/** Finds the endpoint whose path ends `pathname`, under any prefix (`/gratis/sei/api/v1/...`). */
export function matchEndpoint(pathname: string): SimEndpoint | undefined {
  const trimmed = pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
  return SIM_ENDPOINTS.find((endpoint) => trimmed === endpoint.path || trimmed.endsWith(endpoint.path));
}

export function endpointOf(stream: StreamName): SimEndpoint {
  const endpoint = SIM_ENDPOINTS.find((e) => e.stream === stream);
  if (!endpoint) throw new Error(`no endpoint serves ${stream}`);
  return endpoint;
}
