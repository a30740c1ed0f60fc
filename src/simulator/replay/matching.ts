/**
 * What makes a replayed request "the same" as a captured one: method, path, query and body, the JSON
 * compared with its keys in sorted order (docs/capture.md#replay). Nothing is loose: a sync replayed
 * with the capture's clock (SEI_SYNC_CLOCK) sends exactly the captured requests.
 */

/** JSON text of `value` with every object's keys sorted. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

export function requestKey(
  method: string,
  path: string,
  query: Readonly<Record<string, string>>,
  body: unknown,
): string {
  const sortedQuery = new URLSearchParams(Object.entries(query).sort(([a], [b]) => (a < b ? -1 : 1)));
  return `${method.toUpperCase()} ${path}?${sortedQuery.toString()} ${canonicalJson(body)}`;
}
