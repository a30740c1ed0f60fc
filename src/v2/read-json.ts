/**
 * Reading 2.0 answers whose shapes nobody published (org trees, teams, developers): take the first
 * field that is there among the names the sources use, never assume one. Pure.
 */
export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The items of a list answer: the array itself, or the first array under a usual envelope field. */
export function itemsOf(body: unknown): Json[] {
  if (Array.isArray(body)) return body.filter(isObject);
  if (!isObject(body)) return [];
  for (const field of ['content', 'items', 'data', 'records', 'results', 'teams', 'developers', 'resource']) {
    const value = body[field];
    if (Array.isArray(value)) return value.filter(isObject);
    if (isObject(value)) {
      const inner = itemsOf(value);
      if (inner.length > 0) return inner;
    }
  }
  return [];
}

/** Whether a page answer says it was the last (Spring `last`, NG `totalPages`), when it says. */
export function isLastPage(body: unknown, pageIndex: number): boolean | undefined {
  if (!isObject(body)) return undefined;
  if (typeof body.last === 'boolean') return body.last;
  if (typeof body.totalPages === 'number') return pageIndex >= body.totalPages - 1;
  return undefined;
}

/** The first of `fields` that holds a string or a number, as text. */
export function textOf(record: Json, ...fields: string[]): string | undefined {
  for (const field of fields) {
    const value = record[field];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  }
  return undefined;
}

/** The first of `fields` that holds an array of objects. */
export function childrenOf(record: Json, ...fields: string[]): Json[] {
  for (const field of fields) {
    const value = record[field];
    if (Array.isArray(value)) return value.filter(isObject);
  }
  return [];
}
