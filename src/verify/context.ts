/**
 * What every step of one stream's verify works with: the engine's context (client behind the shared
 * budget and in-flight limit, warehouse, settings), the stream run its requests and writes are booked
 * to, and what the verify has spent and seen so far.
 */

import { addCost, costOfFailure, noCost, type RequestCost } from '../extract/list-request.js';
import type { WalkScope } from '../state/checkpoints.js';
import { addToStreamRun } from '../state/ledger.js';
import type { EngineContext, StreamRunContext } from '../sync/engine-context.js';
import { scopeRows } from './scope.js';
import type { RowFilter } from './warehouse-counts.js';

export interface VerifyContext {
  readonly ctx: EngineContext;
  readonly run: StreamRunContext;
  /** The route the stream's endpoint answers on. */
  readonly path: string;
  /** What is compared: the configured scope's horizon and integrations. */
  readonly scope: WalkScope;
  /** The warehouse rows that scope holds. */
  readonly rows: RowFilter;
  /** Requests this verify made so far (also added to its stream run in the ledger). */
  readonly cost: RequestCost;
  /** The daily snapshots (Jira, work items) the answers came from, per integration. */
  readonly snapshots: Map<string, Set<number>>;
}

/** A verify of `run.stream` on `path`, comparing what a walk of it covers (`scope`). */
export async function verifyContext(
  ctx: EngineContext,
  run: StreamRunContext,
  scope: WalkScope,
): Promise<VerifyContext> {
  const path = await run.route();
  return { ctx, run, path, scope, rows: scopeRows(run.stream, scope), cost: noCost(), snapshots: new Map() };
}

/** Books requests made: in this verify's total and in the stream run's ledger row. */
export async function spend(verify: VerifyContext, cost: RequestCost): Promise<void> {
  addCost(verify.cost, cost);
  await addToStreamRun(verify.ctx.db, verify.run.runId, verify.run.stream.name, cost);
}

/** Runs a request (or a read of many); a failure still books what it cost, then propagates. */
export async function booked<T>(verify: VerifyContext, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    await spend(verify, costOfFailure(error)).catch(() => {});
    throw error;
  }
}

/** Notes the snapshots answers came from (per integration). */
export function noteSnapshots(
  verify: VerifyContext,
  snapshots: ReadonlyMap<string, ReadonlySet<number>>,
): void {
  for (const [integration, values] of snapshots) {
    const seen = verify.snapshots.get(integration) ?? new Set<number>();
    for (const value of values) seen.add(value);
    verify.snapshots.set(integration, seen);
  }
}

/** Integrations whose answers came from more than one daily snapshot (SEI switched while we read). */
export function mixedSnapshots(verify: VerifyContext): string[] {
  return [...verify.snapshots].filter(([, values]) => values.size > 1).map(([integration]) => integration);
}
