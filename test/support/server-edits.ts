/**
 * Changes to the simulator's records that its mutation knobs do not make: one record's field set to a
 * chosen value (a record that moved to another month behind the cursor, one exactly on a bucket
 * boundary), or a record SEI starts listing with a time long past (ingested late). The dataset keeps
 * serving them like any other record, with its strict filters and orders.
 */
import type { SeiRecord } from '../../src/extract/sei/types.js';
import type { Dataset } from '../../src/simulator/dataset.js';
import type { SimulatorHandleWithExtras } from '../../src/simulator/index.js';
import type { StreamName } from '../../src/streams/types.js';

function stateOf(simulator: SimulatorHandleWithExtras, stream: StreamName) {
  return (simulator.dataset as Dataset).state(stream);
}

/** The live records of a stream with their ordinals. */
export function liveRecords(
  simulator: SimulatorHandleWithExtras,
  stream: StreamName,
): { ordinal: number; record: SeiRecord }[] {
  const state = stateOf(simulator, stream);
  const out: { ordinal: number; record: SeiRecord }[] = [];
  for (let ordinal = 0; ordinal < state.size; ordinal++)
    if (state.isLive(ordinal)) out.push({ ordinal, record: state.record(ordinal) });
  return out;
}

/** Serves `record` as record `ordinal` from the next request on. */
function serve(simulator: SimulatorHandleWithExtras, stream: StreamName, ordinal: number, record: SeiRecord) {
  const state = stateOf(simulator, stream);
  state.setRecord(ordinal, record);
  state.recordChange([ordinal]);
  return record;
}

/** Sets fields of the record at `ordinal`. */
export function editRecord(
  simulator: SimulatorHandleWithExtras,
  stream: StreamName,
  ordinal: number,
  fields: Record<string, unknown>,
): SeiRecord {
  return serve(simulator, stream, ordinal, { ...stateOf(simulator, stream).record(ordinal), ...fields });
}

/** A new record SEI lists from now on: a copy of `template` with `fields` changed. */
export function addRecord(
  simulator: SimulatorHandleWithExtras,
  stream: StreamName,
  template: SeiRecord,
  fields: Record<string, unknown>,
): SeiRecord {
  return serve(simulator, stream, stateOf(simulator, stream).allocate(), { ...template, ...fields });
}

/** The record at `ordinal` is deleted: SEI lists it no more. */
export function deleteRecord(
  simulator: SimulatorHandleWithExtras,
  stream: StreamName,
  ordinal: number,
): void {
  const state = stateOf(simulator, stream);
  state.markDeleted(ordinal);
  state.recordChange([ordinal]);
}
