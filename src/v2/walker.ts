/**
 * The walker of the 2.0 streams (mode `v2`): all the work is done in `plan`, which returns done (like
 * a whole-list read): an org snapshot, or every scope's export job. Nothing is left for slices.
 */
import { requestMeter } from './request-meter.js';
import { syncExports } from './sync-exports.js';
import { syncOrg } from './sync-org.js';
import { notConfigured } from './v2-error.js';
import type { V2EngineContext, V2RunContext, V2StreamResult } from './walker-types.js';

export function v2Walker(ctx: V2EngineContext, run: V2RunContext) {
  const syncOnce = async (): Promise<{ kind: 'done'; summary: V2StreamResult }> => {
    if (!ctx.v2) throw notConfigured();
    const { client } = ctx.v2;
    const spec = run.stream.v2;
    const meter = { requests: 0 };
    const base = { runId: run.runId, stream: run.stream.name, at: ctx.now(), signal: run.signal, meter };
    const summary = await requestMeter.run(meter, () =>
      spec.kind === 'org'
        ? syncOrg(ctx.db, client, base)
        : syncExports(ctx.db, client, { ...base, type: spec.exportType, log: run.log }),
    );
    return { kind: 'done', summary };
  };
  return {
    plan: syncOnce,
    // Nothing to walk in slices: the plan did it all.
    walkSlice: async () => {},
    finish: syncOnce,
  };
}
