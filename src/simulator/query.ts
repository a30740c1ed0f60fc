/**
 * Filtering and sorting a stream the way the SEI list endpoints do, over ordinals: numeric columns
 * are Float64Arrays, orders are Uint32Arrays, and both are cached per dataset version (columns are
 * patched after a mutation, not rebuilt).
 */
import type { SortSpec } from '../extract/sei/types.js';
import type { StreamState } from './dataset.js';
import type { BoundParser, RangeSemantics } from './endpoints.js';

export class QueryError extends Error {
  readonly code = 'SIM_ERR_BAD_REQUEST';
  readonly status = 400;
}

/** A request the real server fails with a 500 (a ClassCastException, a SQL error): the message is the server's. */
export class ServerError extends Error {
  readonly code = 'SIM_ERR_SERVER';
  readonly status = 500;
}

type Column =
  | { kind: 'number'; version: number; size: number; values: Float64Array }
  | { kind: 'string'; version: number; size: number; values: (string | undefined)[] };

/** Missing values sort after every present one (ascending). */
const MISSING = Number.POSITIVE_INFINITY;

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return Number.NaN;
}

function toText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export interface ResolvedRange {
  field: string;
  gt?: number;
  lt?: number;
  /** Record values per filter unit (1000 when the record stores ms and the filter takes seconds). */
  scale: number;
  /** `$gt`/`$lt` read as `>=`/`<=` (CI/CD). */
  inclusive: boolean;
}

export interface ResolvedFilter {
  integrationIds?: Set<string>;
  ranges: ResolvedRange[];
}

const LONG_PATTERN = /^-?\d{1,19}$/;

/** One bound as the server's parser reads it, or the 500 it answers. */
function parseBound(parser: BoundParser, field: string, bound: string, raw: unknown): number {
  const javaType = (value: unknown) =>
    typeof value === 'string'
      ? 'java.lang.String'
      : typeof value === 'number'
        ? Number.isInteger(value) && value >= -(2 ** 31) && value <= 2 ** 31 - 1
          ? 'java.lang.Integer'
          : Number.isInteger(value)
            ? 'java.lang.Long'
            : 'java.lang.Double'
        : typeof value === 'boolean'
          ? 'java.lang.Boolean'
          : 'java.util.LinkedHashMap';
  const castError = (target: string) =>
    new ServerError(
      `class ${javaType(raw)} cannot be cast to class ${target} (${javaType(raw)} and ${target} are in module java.base of loader 'bootstrap')`,
    );
  if (parser === 'string' && typeof raw !== 'string') throw castError('java.lang.String');
  if (parser === 'integer') {
    if (javaType(raw) !== 'java.lang.Integer') throw castError('java.lang.Integer');
    return raw as number;
  }
  const text = typeof raw === 'string' ? raw : String(raw);
  if (LONG_PATTERN.test(text)) return Number(text);
  // DefaultListRequestUtils.getTimeRange answers a BadRequestException; the CI/CD parser a NumberFormatException.
  if (parser === 'long') throw new QueryError(`Could not parse ${field} field`);
  throw new ServerError(`For input string: "${text}" (${field}.${bound})`);
}

/**
 * The integrations every collection is scoped to. A request with `ou_ids` is rewritten with the
 * collection's filters (as SEI does), so its own `integration_ids` are replaced by these: a client
 * that sends `ou_ids` silently loses the records of the other integrations (379, 4022, 7003).
 */
export const COLLECTION_INTEGRATION_IDS: readonly string[] = ['378', '4021', '5122', '6011'];

/**
 * Validates the `filter` object and keeps the parts this stream understands (the rest is ignored).
 * `aliases` maps filter names to the record fields they select on (`incident_created_at` → `created_at`).
 */
export function parseFilter(
  state: StreamState,
  filter: unknown,
  semantics: RangeSemantics,
  aliases: Readonly<Record<string, string>> = {},
): ResolvedFilter {
  const resolved: ResolvedFilter = { ranges: [] };
  if (filter === undefined || filter === null) return resolved;
  if (typeof filter !== 'object' || Array.isArray(filter)) throw new QueryError('filter must be an object');
  const generator = state.generator;
  for (const [name, value] of Object.entries(filter as Record<string, unknown>)) {
    if (name === 'integration_ids' && generator.integrationField) {
      if (!Array.isArray(value)) throw new QueryError('integration_ids must be an array');
      resolved.integrationIds = new Set(value.map((id) => String(id)));
      continue;
    }
    const field = aliases[name] ?? name;
    const unit = generator.timeFilters[field];
    if (!unit) continue;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new QueryError(`${name} must be an object like {"$gt": <epoch seconds>, "$lt": <epoch seconds>}`);
    }
    const bounds = value as Record<string, unknown>;
    const range: ResolvedRange = {
      field,
      scale: unit === 'ms' ? 1000 : 1,
      inclusive: semantics.inclusive,
    };
    for (const bound of ['$gt', '$lt'] as const) {
      const raw = bounds[bound];
      if (raw === undefined || raw === null) continue;
      const n = parseBound(semantics.parser, name, bound, raw);
      if (bound === '$gt') range.gt = n;
      else range.lt = n;
    }
    resolved.ranges.push(range);
  }
  const ouIds = (filter as Record<string, unknown>).ou_ids;
  if (Array.isArray(ouIds) && ouIds.length > 0 && generator.integrationField) {
    resolved.integrationIds = new Set(COLLECTION_INTEGRATION_IDS);
  }
  return resolved;
}

export function parseSort(sort: unknown): SortSpec[] | undefined {
  if (sort === undefined || sort === null) return undefined;
  if (!Array.isArray(sort)) throw new QueryError('sort must be an array of {id, desc}');
  const specs: SortSpec[] = [];
  for (const entry of sort) {
    if (typeof entry !== 'object' || entry === null || typeof (entry as SortSpec).id !== 'string') {
      throw new QueryError('sort entries must look like {"id": "<field>", "desc": false}');
    }
    // SortingConverter: only the JSON boolean `false` sorts ascending; absent (or "false") is DESC.
    specs.push({ id: (entry as SortSpec).id, desc: (entry as SortSpec).desc !== false });
  }
  return specs.length === 0 ? undefined : specs;
}

/** How a sort's keys are packed with their ordinals (see #packing). */
interface Packing {
  min: number;
  span: number;
  /** A power of two above every ordinal. */
  ordinals: number;
}

interface CachedOrder {
  version: number;
  order: Uint32Array;
}

/** Per stream: column and order caches. */
export class StreamQueries {
  readonly #columns = new Map<string, Column>();
  readonly #orders = new Map<string, CachedOrder>();
  readonly #results = new Map<string, CachedOrder>();
  static readonly RESULT_CACHE_LIMIT = 32;

  constructor(readonly state: StreamState) {}

  /**
   * The live ordinals matching `filter`, sorted by `sort` (ties by ordinal, i.e. creation order), or
   * in ordinal order when `sort` is undefined (the caller then shuffles).
   */
  resolve(filter: ResolvedFilter, sort: readonly SortSpec[] | undefined): Uint32Array {
    const key = JSON.stringify([
      filter.integrationIds ? [...filter.integrationIds] : null,
      filter.ranges,
      sort ?? null,
    ]);
    const cached = this.#results.get(key);
    if (cached && cached.version === this.state.version) return cached.order;
    const base = sort ? this.#sorted(sort) : this.#liveOrdinals();
    const order = this.#filter(sort ? this.#narrowed(base, filter, sort) : base, filter);
    if (this.#results.size >= StreamQueries.RESULT_CACHE_LIMIT) this.#results.clear();
    this.#results.set(key, { version: this.state.version, order });
    return order;
  }

  /** Whether two ordinals share every value of `sort` (rows the server may return in any order). */
  sameSortValues(sort: readonly SortSpec[]): (a: number, b: number) => boolean {
    const columns = sort.map((spec) => this.#column(spec.id));
    return (a, b) => columns.every((column) => compare(column, a, b) === 0);
  }

  #liveOrdinals(): Uint32Array {
    const state = this.state;
    const out = new Uint32Array(state.liveCount);
    let n = 0;
    for (let o = 0; o < state.size; o++) if (state.deleted[o] === 0) out[n++] = o;
    return out;
  }

  /**
   * The stretch of `base` (sorted by `sort`) that a range on the sort's first field can match: values
   * are monotone along the order, so two binary searches find it, and `#filter` scans only that
   * stretch instead of every record (a keyset page at 10M records scanned 10M ordinals).
   */
  #narrowed(base: Uint32Array, filter: ResolvedFilter, sort: readonly SortSpec[]): Uint32Array {
    const first = sort[0];
    const range = first && filter.ranges.find((candidate) => candidate.field === first.id);
    if (!first || !range) return base;
    const column = this.#column(range.field);
    if (column.kind !== 'number') return base;
    const values = column.values;
    const lower = range.gt === undefined ? undefined : range.gt * range.scale;
    const upper = range.lt === undefined ? undefined : range.lt * range.scale;
    // The same conditions as #filter's; a missing value passes neither.
    const aboveLower = (v: number) => lower === undefined || (range.inclusive ? v >= lower : v > lower);
    const belowUpper = (v: number) =>
      v !== MISSING && (upper === undefined || (range.inclusive ? v <= upper : v < upper));
    /** The first index in [from, base.length) where `holds` (false, then true, along the order). */
    const firstWhere = (from: number, holds: (v: number) => boolean) => {
      let lo = from;
      let hi = base.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (holds(values[base[mid] as number] as number)) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    };
    // Ascending, missing values last; descending, first (see #sorted).
    const start = first.desc ? firstWhere(0, belowUpper) : firstWhere(0, aboveLower);
    const end = first.desc
      ? firstWhere(start, (v) => !aboveLower(v))
      : firstWhere(start, (v) => !belowUpper(v));
    return base.subarray(start, end);
  }

  #filter(base: Uint32Array, filter: ResolvedFilter): Uint32Array {
    if (!filter.integrationIds && filter.ranges.length === 0) return base;
    const generator = this.state.generator;
    const ids = filter.integrationIds;
    const integrationColumn =
      ids && generator.integrationField ? this.#column(generator.integrationField) : undefined;
    const ranges = filter.ranges.map((range) => ({ ...range, column: this.#column(range.field) }));
    const out = new Uint32Array(base.length);
    let n = 0;
    outer: for (let k = 0; k < base.length; k++) {
      const o = base[k] as number;
      if (ids && integrationColumn) {
        const value =
          integrationColumn.kind === 'string'
            ? integrationColumn.values[o]
            : String(integrationColumn.values[o]);
        if (value === undefined || !ids.has(value)) continue;
      }
      for (const range of ranges) {
        const value = range.column.kind === 'number' ? (range.column.values[o] as number) : Number.NaN;
        if (Number.isNaN(value) || value === MISSING) continue outer;
        if (range.gt !== undefined) {
          const lower = range.gt * range.scale;
          if (range.inclusive ? value < lower : !(value > lower)) continue outer;
        }
        if (range.lt !== undefined) {
          const upper = range.lt * range.scale;
          if (range.inclusive ? value > upper : !(value < upper)) continue outer;
        }
      }
      out[n++] = o;
    }
    return out.slice(0, n);
  }

  #sorted(sort: readonly SortSpec[]): Uint32Array {
    const key = JSON.stringify(sort);
    const cached = this.#orders.get(key);
    if (cached && cached.version === this.state.version) return cached.order;
    const live = this.#liveOrdinals();
    const columns = sort.map((spec) => ({ column: this.#column(spec.id), sign: spec.desc ? -1 : 1 }));
    const first = columns[0];
    const only = columns.length === 1 ? first : undefined;
    const packing = only?.column.kind === 'number' ? this.#packing(only.column, live) : undefined;
    let order: Uint32Array;
    if (only?.column.kind === 'number' && packing) {
      order = this.#packedSort(only.column.values, live, only.sign, packing);
    } else {
      order = live.sort((a, b) => {
        for (const { column, sign } of columns) {
          const c = compare(column, a, b);
          if (c !== 0) return c * sign;
        }
        return a - b;
      });
    }
    this.#orders.set(key, { version: this.state.version, order });
    return order;
  }

  /**
   * Whether a rank (the value less the smallest, missing values one past the largest) and the ordinal
   * fit one float64 exactly: then one numeric sort of the packed keys sorts the stream (at 10M records
   * a comparator sort took minutes).
   */
  #packing(column: Column & { kind: 'number' }, live: Uint32Array): Packing | undefined {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < live.length; k++) {
      const v = column.values[live[k] as number] as number;
      if (v === MISSING) continue;
      if (!Number.isInteger(v)) return undefined;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const span = max >= min ? max - min + 1 : 0;
    const ordinals = 2 ** Math.ceil(Math.log2(this.state.size + 1));
    return (span + 1) * ordinals <= Number.MAX_SAFE_INTEGER ? { min, span, ordinals } : undefined;
  }

  #packedSort(values: Float64Array, live: Uint32Array, sign: number, packing: Packing): Uint32Array {
    const { min, span, ordinals } = packing;
    const keys = new Float64Array(live.length);
    for (let k = 0; k < live.length; k++) {
      const o = live[k] as number;
      const raw = values[o] as number;
      const rank = raw === MISSING ? span : raw - min;
      // Descending puts missing values first, as the comparator does; ties by ordinal both ways.
      keys[k] = (sign > 0 ? rank : span - rank) * ordinals + o;
    }
    keys.sort();
    const order = new Uint32Array(live.length);
    for (let k = 0; k < keys.length; k++) order[k] = (keys[k] as number) % ordinals;
    return order;
  }

  /** The column of `field` for every ordinal, patched with the changes since it was built. */
  #column(field: string): Column {
    const state = this.state;
    let column = this.#columns.get(field);
    if (column && column.version === state.version) return column;
    if (!column) {
      column = this.#build(field);
    } else {
      column = this.#grow(column, state.size);
      for (const change of state.changes) {
        if (change.version <= column.version) continue;
        for (const o of change.ordinals)
          this.#set(column, o, state.isLive(o) ? state.field(o, field) : undefined);
      }
      column.version = state.version;
    }
    this.#columns.set(field, column);
    return column;
  }

  #build(field: string): Column {
    const state = this.state;
    let kind: 'number' | 'string' = 'number';
    for (let o = 0; o < state.size; o++) {
      if (!state.isLive(o)) continue;
      const value = state.field(o, field);
      if (value === undefined) continue;
      kind = typeof value === 'number' || typeof value === 'boolean' ? 'number' : 'string';
      break;
    }
    const capacity = Math.max(16, state.size);
    const column: Column =
      kind === 'number'
        ? { kind, version: state.version, size: state.size, values: new Float64Array(capacity) }
        : { kind, version: state.version, size: state.size, values: new Array<string | undefined>(capacity) };
    for (let o = 0; o < state.size; o++)
      this.#set(column, o, state.isLive(o) ? state.field(o, field) : undefined);
    return column;
  }

  #grow(column: Column, size: number): Column {
    if (size <= column.values.length) {
      column.size = size;
      return column;
    }
    if (column.kind === 'number') {
      const values = new Float64Array(size * 2);
      values.set(column.values);
      return { ...column, size, values };
    }
    return { ...column, size, values: column.values.concat(new Array(size * 2 - column.values.length)) };
  }

  #set(column: Column, o: number, value: unknown): void {
    if (column.kind === 'number') {
      const n = toNumber(value);
      column.values[o] = value === undefined || Number.isNaN(n) ? MISSING : n;
    } else {
      column.values[o] = toText(value);
    }
  }
}

function compare(column: Column, a: number, b: number): number {
  if (column.kind === 'number') {
    const x = column.values[a] as number;
    const y = column.values[b] as number;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = column.values[a];
  const y = column.values[b];
  if (x === y) return 0;
  if (x === undefined) return 1;
  if (y === undefined) return -1;
  return x < y ? -1 : 1;
}
