import { closeSync, openSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import { readStoredRows } from './cache.ts';
import { COLUMN_NAMES } from './columns.ts';
import {
  CONTROL_STARTED,
  CONTROL_STOP,
  READ_AHEAD_SLOTS,
  SLOT_EMPTY,
  SLOT_FAILED,
  SLOT_FULL,
  slotColumns,
  type ReadAheadData,
  type ReadAheadError,
} from './read-ahead.ts';

/**
 * The read-ahead thread (read-ahead.ts states the rules): reads the file's chunks in order into the ring's
 * slots, folding the CRC-32s when asked, until the last chunk, a failed read or a stop.
 */
const { file, chunkRows, folds, control: controlBuffer, slots, port } = workerData as ReadAheadData;
const control = new Int32Array(controlBuffer);
const rows = Math.max(1, Math.min(chunkRows, file.length));
// price2 and size2 not stored: left out of the slots (the main thread's views hold NaN)
const columns = slots.map((s) => slotColumns(s.columns, rows, file.secondValues ? null : new Float64Array(0)));
const crcs = COLUMN_NAMES.map(() => 0);
const storedCrcs = slots.map((s) => new Uint32Array(s.crcs));

Atomics.store(control, CONTROL_STARTED, 1);
for (let slot = 0; slot < READ_AHEAD_SLOTS; slot++) Atomics.notify(control, slot);

const stopped = (): boolean => Atomics.load(control, CONTROL_STOP) !== 0;

for (let from = 0, k = 0; from < file.length && !stopped(); from += chunkRows, k++) {
  const slot = k % READ_AHEAD_SLOTS;
  while (Atomics.load(control, slot) !== SLOT_EMPTY && !stopped()) Atomics.wait(control, slot, SLOT_FULL);
  if (stopped()) break;
  try {
    const fd = openSync(file.path, 'r');
    try {
      readStoredRows(file, fd, from, Math.min(chunkRows, file.length - from), columns[slot], folds ? crcs : null);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    const sent: ReadAheadError = { message: error instanceof Error ? error.message : String(error), fields: { ...(error as object) } };
    port.postMessage(sent);
    Atomics.store(control, slot, SLOT_FAILED);
    Atomics.notify(control, slot);
    break;
  }
  storedCrcs[slot].set(crcs);
  Atomics.store(control, slot, SLOT_FULL);
  Atomics.notify(control, slot);
}
port.close();
