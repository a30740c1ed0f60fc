/**
 * The SEI list endpoints the simulator serves, each with what the SEI server's own code does on it
 * (see README, "SEI API notes"): which routes answer, how range bounds are parsed, which order is
 * really applied, what `_metadata` says. These are the server at its worst, on purpose: a client that
 * passes against them passes against SEI.
 */
import type { PageSizeParam, SortSpec } from '../extract/sei/types.js';
import type { StreamName } from '../streams/types.js';

/**
 * What `_metadata.total_count` says: `total` the whole filtered count; `page` the records on this page
 * (org units, categories); `partial` 0 on an empty page, `offset + count` on a partial one and the
 * whole count only on a full page (JiraFieldService, JiraProjectService, ProductService, ...).
 */
export type TotalCountSemantics = 'total' | 'page' | 'partial';
export type HasNextRule = 'page_full' | 'total_exceeds_page';

/**
 * How the server reads `{"$gt": .., "$lt": ..}`:
 * - `long`: `Long.valueOf(x.toString())`: numbers and numeric strings; anything else is a 400
 *   ("Could not parse <field> field"). Jira, work items, PRs, commits.
 * - `string`: a `Map<String,String>`: a JSON number is a ClassCastException, HTTP 500. CI/CD.
 * - `integer`: a `Map<String,Integer>`: a string, or a number past 2^31, is a ClassCastException. Integrations.
 */
export type BoundParser = 'long' | 'string' | 'integer';

export interface RangeSemantics {
  readonly parser: BoundParser;
  /** CI/CD reads `$gt` as `>=` and `$lt` as `<=`; everything else is exclusive. */
  readonly inclusive: boolean;
}

/** How rows sharing every sort value come back: in one fixed order, or in a new order on every query. */
export type TiePolicy = 'stable' | 'shuffle';

/**
 * The order the server really applies:
 * - `requested`: the request's first sort key when `allowed` lists it (SortingConverter keeps one key
 *   only), else `fallback`; with `unknown: 'error500'` an unknown key fails the query instead.
 * - `fixed`: the request's sort is ignored.
 * - `none`: no ORDER BY at all: a new order on every request (org units).
 */
export type OrderPolicy =
  | {
      readonly kind: 'requested';
      /**
       * `first`: SortingConverter's map, of which the service uses one entry; `all`: every entry is
       * applied (CiCdUtils.getListSortBy), in Java HashMap iteration order, not the request's.
       */
      readonly keys?: 'first' | 'all';
      readonly allowed: readonly string[];
      /** The order without a usable sort; `none`: no ORDER BY at all. */
      readonly fallback: SortSpec | 'none';
      readonly unknown: 'fallback' | 'error500';
      readonly ties: TiePolicy;
    }
  | { readonly kind: 'fixed'; readonly sort: readonly SortSpec[]; readonly ties: TiePolicy }
  | { readonly kind: 'none' };

/** A filter the server adds by itself (CI/CD: runs started within 90 days, unless `across` is a non-time field). */
export interface HiddenHorizon {
  readonly field: string;
  readonly days: number;
  /** Values of `across` that avoid the clause; anything else (absent, `trend`, unknown) gets it. */
  readonly unlessAcross: readonly string[];
}

export interface SimEndpoint {
  /** Routes that answer, relative to the base URL; the first is the canonical one. */
  paths: readonly string[];
  stream: StreamName;
  pageSizeParam: PageSizeParam;
  maxPageSize?: number;
  hasNext: HasNextRule;
  /** Org units report the records on the current page as `total_count`. */
  totalCount: TotalCountSemantics;
  /** Org users put `non_users_count` beside `_metadata`. */
  nonUsersCount?: boolean;
  range: RangeSemantics;
  order: OrderPolicy;
  horizon?: HiddenHorizon;
  /** Sort and filter names the server maps to another record field (`incident_created_at` → `created_at`). */
  fieldAliases?: Readonly<Record<string, string>>;
  /** The result cache keys on the filter and sort but not the page (user identities): page n repeats page 0. */
  cacheIgnoresPage?: boolean;
  /**
   * Every request fails with a 500 and this message, as the server's code does (cicd_jobs), unless
   * the simulator is told the endpoint was fixed (`fixedEndpoints`).
   */
  broken?: { readonly message: string };
  /**
   * A field the server fills with the request's own time (epoch ms) unless `status` has this value
   * (PagerDuty alerts' `alert_acknowledged_at`).
   */
  requestTimeField?: { readonly field: string; readonly unlessStatus: string };
  /** A field served only when the request's filter sets `flag` to true (work items' sprint names). */
  optionalField?: { readonly field: string; readonly flag: string };
}

const EXCLUSIVE_LONG: RangeSemantics = { parser: 'long', inclusive: false };

/** `CiCdJobRunsFilter.DISTINCT` values that are not time buckets. */
export const CICD_NON_TIME_ACROSS = [
  'job_status',
  'job_name',
  'qualified_job_name',
  'instance_name',
  'cicd_user_id',
  'project_name',
  'job_normalized_full_name',
] as const;

/** The endpoints of the first nine streams. */
const FIRST_ENDPOINTS: readonly SimEndpoint[] = [
  {
    paths: ['/v1/integrations/list'],
    stream: 'integrations',
    pageSizeParam: 'page_size',
    hasNext: 'page_full',
    totalCount: 'total',
    range: { parser: 'integer', inclusive: false },
    // IntegrationsController: ORDER BY updatedat DESC, whatever was asked.
    order: { kind: 'fixed', sort: [{ id: 'updated_at', desc: true }], ties: 'shuffle' },
  },
  {
    paths: ['/v1/jira_issues/list'],
    stream: 'jira_issues',
    pageSizeParam: 'page_size',
    maxPageSize: 10_000,
    hasNext: 'page_full',
    totalCount: 'total',
    range: EXCLUSIVE_LONG,
    // SORTABLE_COLUMNS, else issue_created_at DESC; `key ASC` breaks ties.
    order: {
      kind: 'requested',
      allowed: ['issue_updated_at', 'issue_created_at', 'issue_resolved_at', 'issue_due_at', 'story_points'],
      fallback: { id: 'issue_created_at', desc: true },
      unknown: 'fallback',
      ties: 'stable',
    },
  },
  {
    paths: ['/v1/issue_mgmt/workitems/list'],
    stream: 'workitems',
    pageSizeParam: 'page_size',
    hasNext: 'page_full',
    totalCount: 'total',
    range: EXCLUSIVE_LONG,
    // WorkItemsService adds the sprint names (a subquery per record) only when the filter asks.
    optionalField: { field: 'sprint_full_names', flag: 'include_sprint_full_names' },
    // The DB path: no ORDER BY without a sort; with one, `<key> NULLS LAST, workitem_id ASC`.
    order: {
      kind: 'requested',
      allowed: ['workitem_updated_at', 'workitem_created_at', 'workitem_resolved_at'],
      fallback: 'none',
      unknown: 'fallback',
      ties: 'stable',
    },
  },
  {
    paths: ['/v1/scm/prs/list'],
    stream: 'scm_pull_requests',
    pageSizeParam: 'page_size',
    hasNext: 'page_full',
    totalCount: 'total',
    range: EXCLUSIVE_LONG,
    order: {
      kind: 'requested',
      allowed: ['pr_updated_at', 'pr_created_at', 'pr_merged_at', 'pr_closed_at'],
      fallback: { id: 'pr_updated_at', desc: true },
      unknown: 'fallback',
      ties: 'shuffle',
    },
  },
  {
    paths: ['/v1/scm/commits/list'],
    stream: 'scm_commits',
    pageSizeParam: 'page_size',
    hasNext: 'page_full',
    totalCount: 'total',
    range: EXCLUSIVE_LONG,
    // COMMIT_SORTABLE_COLUMNS, default committed_at DESC.
    order: {
      kind: 'requested',
      allowed: ['committed_at', 'created_at'],
      fallback: { id: 'committed_at', desc: true },
      unknown: 'fallback',
      ties: 'shuffle',
    },
  },
  {
    paths: ['/v1/cicd/job_runs/list'],
    stream: 'cicd_job_runs',
    pageSizeParam: 'page_size',
    hasNext: 'page_full',
    totalCount: 'total',
    range: { parser: 'string', inclusive: true },
    // The requested key goes into the SQL verbatim: an unknown one is a SQL error (500).
    order: {
      kind: 'requested',
      allowed: ['end_time', 'start_time', 'duration', 'job_name', 'status', 'job_run_number'],
      fallback: { id: 'duration', desc: true },
      unknown: 'error500',
      ties: 'shuffle',
    },
    horizon: { field: 'start_time', days: 90, unlessAcross: CICD_NON_TIME_ACROSS },
  },
  {
    paths: ['/v1/org/users/list'],
    stream: 'org_users',
    pageSizeParam: 'page_size',
    hasNext: 'total_exceeds_page',
    totalCount: 'total',
    nonUsersCount: true,
    range: EXCLUSIVE_LONG,
    // ORDER BY ref_id, created_at DESC: the requested sort is ignored.
    order: { kind: 'fixed', sort: [{ id: 'created_at', desc: true }], ties: 'shuffle' },
  },
  {
    paths: ['/v1/org/units/list'],
    stream: 'org_units',
    pageSizeParam: 'page_size',
    hasNext: 'page_full',
    totalCount: 'page',
    range: EXCLUSIVE_LONG,
    // OrgUnitsDatabaseService.filter has no ORDER BY at all.
    order: { kind: 'none' },
  },
  {
    // OrgUnitCategoryController; nothing serves the documented /v1/org/workspaces/units/list.
    paths: ['/v1/org/groups/list', '/v1/org/categories/list'],
    stream: 'collection_categories',
    // DefaultListRequest binds `page_size` only; the documented `pageSize` is ignored.
    pageSizeParam: 'page_size',
    hasNext: 'page_full',
    // Counted over the query with LIMIT/OFFSET already applied: the page's own size.
    totalCount: 'page',
    range: EXCLUSIVE_LONG,
    order: { kind: 'fixed', sort: [{ id: 'created_at', desc: false }], ties: 'shuffle' },
  },
];

/** Sorts of the CI/CD test list: every key is applied, unknown ones are a SQL error. */
const CICD_TEST_COLUMNS = [
  'id',
  'duration',
  'status',
  'test_suite',
  'test_name',
  'job_name',
  'job_status',
  'job_run_number',
  'start_time',
  'end_time',
] as const;

/** An endpoint as most lists are: `page_size`, `has_next` on a full page, a full count, `Long` bounds. */
function listEndpoint(
  endpoint: Omit<SimEndpoint, 'pageSizeParam' | 'hasNext' | 'totalCount' | 'range'> &
    Partial<Pick<SimEndpoint, 'totalCount' | 'range'>>,
): SimEndpoint {
  return {
    pageSizeParam: 'page_size',
    hasNext: 'page_full',
    totalCount: 'total',
    range: EXCLUSIVE_LONG,
    ...endpoint,
  };
}

/** The endpoints of the streams added since (issue 14). */
const MORE_ENDPOINTS: readonly SimEndpoint[] = [
  listEndpoint({
    // JiraIssueSprintService.filter: ORDER BY sprint_id, whatever was asked; strings-only bounds.
    paths: ['/v1/jira_issues/sprints/list'],
    stream: 'jira_sprints',
    range: { parser: 'string', inclusive: false },
    order: { kind: 'fixed', sort: [{ id: 'sprint_id', desc: false }], ties: 'shuffle' },
  }),
  listEndpoint({
    // JiraFieldService.list: no ORDER BY; the count only on a full page.
    paths: ['/v1/jira_fields/list'],
    stream: 'jira_fields',
    totalCount: 'partial',
    order: { kind: 'none' },
  }),
  listEndpoint({
    paths: ['/v1/jiraprojects/list'],
    stream: 'jira_projects',
    totalCount: 'partial',
    order: { kind: 'none' },
  }),
  listEndpoint({
    // IssuesMilestoneService: no ORDER BY without a sort; a sort goes into LOWER(<key>), text only.
    paths: ['/v1/issue_mgmt/sprints/list'],
    stream: 'workitem_sprints',
    order: {
      kind: 'requested',
      allowed: ['name', 'state', 'parent_sprint', 'project_id', 'sprint_id'],
      fallback: 'none',
      unknown: 'error500',
      ties: 'shuffle',
    },
  }),
  listEndpoint({
    // UserIdentityService.list: ORDER BY <key> <dir>, id; strings-only bounds; a cache without the page.
    paths: ['/v1/user_identities/list'],
    stream: 'user_identities',
    range: { parser: 'string', inclusive: false },
    order: {
      kind: 'requested',
      allowed: ['updated_at', 'created_at', 'display_name'],
      fallback: { id: 'updated_at', desc: true },
      unknown: 'fallback',
      ties: 'stable',
    },
    cacheIgnoresPage: true,
  }),
  listEndpoint({
    paths: ['/v1/scm/issues/list'],
    stream: 'scm_issues',
    order: {
      kind: 'requested',
      allowed: ['issue_updated_at'],
      fallback: { id: 'issue_updated_at', desc: true },
      unknown: 'fallback',
      ties: 'shuffle',
    },
  }),
  listEndpoint({
    // CiCdTestsController: strings-only, exclusive bounds on the run's times; every sort key applied.
    paths: ['/v1/cicd/job_runs/tests/list'],
    stream: 'cicd_job_run_tests',
    range: { parser: 'string', inclusive: false },
    order: {
      kind: 'requested',
      keys: 'all',
      allowed: CICD_TEST_COLUMNS,
      fallback: { id: 'duration', desc: true },
      unknown: 'error500',
      ties: 'shuffle',
    },
  }),
  listEndpoint({
    paths: ['/v1/cicd/instances/list'],
    stream: 'cicd_instances',
    range: { parser: 'string', inclusive: false },
    order: {
      kind: 'requested',
      allowed: ['created_at', 'updated_at', 'name'],
      fallback: { id: 'created_at', desc: true },
      unknown: 'fallback',
      ties: 'shuffle',
    },
  }),
  listEndpoint({
    // CiCdJobsService.list returns null: the controller's NPE becomes this 500 on every request.
    paths: ['/v1/cicd/jobs/list'],
    stream: 'cicd_jobs',
    order: { kind: 'none' },
    broken: {
      message:
        'Unable to complete the request. Please try again in a few second or please contact support if the problem persist.',
    },
  }),
  listEndpoint({
    // PagerDutyIncidentsDatabaseService: the sort key maps to a column; default incident_updated_at DESC.
    paths: ['/v1/pagerduty/aggregations/incidents/list'],
    stream: 'pagerduty_incidents',
    order: {
      kind: 'requested',
      allowed: ['incident_created_at', 'incident_resolved_at', 'incident_updated_at', 'incident_priority'],
      fallback: { id: 'incident_updated_at', desc: true },
      unknown: 'fallback',
      ties: 'shuffle',
    },
    fieldAliases: {
      incident_created_at: 'created_at',
      incident_updated_at: 'updated_at',
      incident_priority: 'priority',
    },
  }),
  listEndpoint({
    paths: ['/v1/pagerduty/aggregations/alerts/list'],
    stream: 'pagerduty_alerts',
    order: {
      kind: 'requested',
      allowed: ['alert_created_at', 'alert_updated_at', 'alert_severity', 'alert_status'],
      fallback: { id: 'alert_updated_at', desc: true },
      unknown: 'fallback',
      ties: 'shuffle',
    },
    fieldAliases: {
      alert_created_at: 'created_at',
      alert_updated_at: 'updated_at',
      alert_severity: 'severity',
      alert_status: 'status',
    },
    requestTimeField: { field: 'alert_acknowledged_at', unlessStatus: 'acknowledged' },
  }),
  listEndpoint({
    // ProductsController (also /v1/org/workspaces/list): ORDER BY updatedat DESC; numbers-only bounds.
    paths: ['/v1/products/list', '/v1/org/workspaces/list'],
    stream: 'products',
    totalCount: 'partial',
    range: { parser: 'integer', inclusive: false },
    order: { kind: 'fixed', sort: [{ id: 'updated_at', desc: true }], ties: 'shuffle' },
  }),
  listEndpoint({
    paths: ['/v1/velocity_configs/list'],
    stream: 'workflow_profiles',
    totalCount: 'partial',
    order: { kind: 'fixed', sort: [{ id: 'updated_at', desc: true }], ties: 'shuffle' },
  }),
];

/** Every endpoint the simulator serves. */
export const SIM_ENDPOINTS: readonly SimEndpoint[] = [...FIRST_ENDPOINTS, ...MORE_ENDPOINTS];

/** The page size the server uses when the request gives none. */
export const SERVER_DEFAULT_PAGE_SIZE = 1000;

/** Finds the endpoint with a route that ends `pathname`, under any prefix (`/gratis/sei/api/v1/...`). */
export function matchEndpoint(pathname: string): SimEndpoint | undefined {
  const trimmed = pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
  return SIM_ENDPOINTS.find((endpoint) =>
    endpoint.paths.some((path) => trimmed === path || trimmed.endsWith(path)),
  );
}

export function endpointOf(stream: StreamName): SimEndpoint {
  const endpoint = SIM_ENDPOINTS.find((e) => e.stream === stream);
  if (!endpoint) throw new Error(`no endpoint serves ${stream}`);
  return endpoint;
}

/**
 * The sort the server applies to a request's `sort`, or a 500 message when it would fail. The
 * tiebreaker (stable or shuffled) comes from the policy.
 */
export function effectiveSort(
  policy: OrderPolicy,
  requested: readonly SortSpec[] | undefined,
): { sort: readonly SortSpec[]; ties: TiePolicy } | { sort: undefined } | { error: string } {
  if (policy.kind === 'none') return { sort: undefined };
  if (policy.kind === 'fixed') return { sort: policy.sort, ties: policy.ties };
  const fallback = () =>
    policy.fallback === 'none' ? { sort: undefined } : { sort: [policy.fallback], ties: policy.ties };
  const first = requested?.[0];
  if (first === undefined) return fallback();
  if (policy.keys === 'all') {
    const unknown = requested?.find((spec) => !policy.allowed.includes(spec.id));
    if (unknown) return { error: `ERROR: column "${unknown.id}" does not exist` };
    return { sort: javaHashMapOrder(requested ?? []), ties: policy.ties };
  }
  if (policy.allowed.includes(first.id)) return { sort: [first], ties: policy.ties };
  if (policy.unknown === 'error500') return { error: `ERROR: column "${first.id}" does not exist` };
  return fallback();
}

/** Java's `String.hashCode`. */
function javaHash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(31, h) + text.charCodeAt(i)) | 0;
  return h;
}

/**
 * The sort entries in the order a Java `HashMap` (16 buckets, as `Collectors.toMap` makes it) iterates
 * them: by bucket `(h ^ h >>> 16) & 15`, then in insertion order. `end_time` (bucket 8) comes before
 * `id` (11), `start_time` (1) before both.
 */
export function javaHashMapOrder(sort: readonly SortSpec[]): SortSpec[] {
  const bucket = (id: string) => {
    const h = javaHash(id);
    return (h ^ (h >>> 16)) & 15;
  };
  return sort
    .map((spec, index) => ({ spec, index, bucket: bucket(spec.id) }))
    .sort((a, b) => a.bucket - b.bucket || a.index - b.index)
    .map((entry) => entry.spec);
}
