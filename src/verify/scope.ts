/**
 * What a verify may compare under the configured scope (SEI_START_DATE, SEI_INTEGRATION_IDS, or
 * `--since` / `--integrations`): the same records a sync of that scope holds. The server is asked with
 * the sync's filters (`integration_ids` included); the warehouse counts only the rows of those
 * integrations, from that horizon on, and only up to a cursor reached for a scope at least as wide.
 */

import { UNSCOPED, type WalkScope } from '../state/checkpoints.js';
import type { StreamDefinition } from '../streams/types.js';
import type { RowFilter } from './warehouse-counts.js';

/** The warehouse rows `scope` holds. */
export function scopeRows(stream: StreamDefinition, scope: WalkScope): RowFilter {
  return scope.integrationIds !== null && stream.integrationColumn
    ? { integrations: { column: stream.integrationColumn, ids: scope.integrationIds } }
    : {};
}

/**
 * Whether a cursor reached for `reached` vouches for `scope`: everything `scope` holds before the
 * cursor was walked. A cursor of all history and all integrations vouches for any horizon and any
 * selection; one of some integrations, only for those.
 */
export function cursorCovers(reached: WalkScope | null, scope: WalkScope): boolean {
  const cursor = reached ?? UNSCOPED;
  const horizon = cursor.from === null || (scope.from !== null && cursor.from <= scope.from);
  const wanted = scope.integrationIds;
  const integrations =
    cursor.integrationIds === null || (wanted?.every((id) => cursor.integrationIds?.includes(id)) ?? false);
  return horizon && integrations;
}
