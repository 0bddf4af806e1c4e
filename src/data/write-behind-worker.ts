import { writeSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import {
  CONTROL_ENDED,
  CONTROL_FAILED,
  CONTROL_STOP,
  CONTROL_THREAD,
  JOB_FIELDS,
  SLOT_BYTES,
  SLOT_EMPTY,
  SLOT_FULL,
  THREAD_RUNNING,
  THREAD_WAITING,
  WRITE_BEHIND_SLOTS,
  type WriteBehindData,
  type WriteBehindError,
} from './write-behind.ts';

/**
 * The write-behind thread (write-behind.ts states the rules): writes the ring's slots in the order filled
 * until a stop or a failed write.
 */
const { control: controlBuffer, jobs: jobsBuffer, ring: ringBuffer, port } = workerData as WriteBehindData;
const control = new Int32Array(controlBuffer);
const jobs = new Float64Array(jobsBuffer);
const ring = new Uint8Array(ringBuffer);

const stopped = (): boolean => Atomics.load(control, CONTROL_STOP) !== 0;
const notifyAll = (): void => {
  for (let slot = 0; slot < WRITE_BEHIND_SLOTS; slot++) Atomics.notify(control, slot);
};

if (Atomics.compareExchange(control, CONTROL_THREAD, THREAD_WAITING, THREAD_RUNNING) === THREAD_WAITING) {
  notifyAll(); // a main thread waiting for the start waits for the thread from now on
  for (let slot = 0; !stopped(); slot = (slot + 1) % WRITE_BEHIND_SLOTS) {
    while (Atomics.load(control, slot) !== SLOT_FULL && !stopped()) Atomics.wait(control, slot, SLOT_EMPTY);
    if (stopped()) break;
    const fd = jobs[slot * JOB_FIELDS];
    const position = jobs[slot * JOB_FIELDS + 1];
    const length = jobs[slot * JOB_FIELDS + 2];
    const bytes = ring.subarray(slot * SLOT_BYTES, slot * SLOT_BYTES + length);
    try {
      for (let at = 0; at < length; ) at += writeSync(fd, bytes, at, length - at, position < 0 ? null : position + at);
    } catch (error) {
      const sent: WriteBehindError = { message: error instanceof Error ? error.message : String(error), fields: { ...(error as object) } };
      port.postMessage(sent);
      Atomics.store(control, CONTROL_FAILED, 1);
      notifyAll();
      break;
    }
    Atomics.store(control, slot, SLOT_EMPTY);
    Atomics.notify(control, slot);
  }
  Atomics.store(control, CONTROL_ENDED, 1);
  Atomics.notify(control, CONTROL_ENDED);
}
port.close();
