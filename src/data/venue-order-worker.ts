import { parentPort, workerData } from 'node:worker_threads';
import { PipeReader } from './chunk-pipe.ts';
import { writeVenueFile } from './stream-entry.ts';
import { rowsOfChunks } from './stream.ts';
import type { VenueOrderAnswer, VenueOrderRequest } from './venue-order-thread.ts';

/**
 * The thread that writes a streamed replay entry's venue file from the feed's chunks (venue-order-thread.ts
 * starts it and states the rules): the feed file's rows as the pipe brings them, through the reorder buffer,
 * into the venue file; then its answer. Compiled, venue-order-thread.ts starts this file; from the TypeScript
 * sources, venue-order-entry.js, which registers tsx first.
 */
const { pipe, path, layout, maxFeedLagUs } = workerData as VenueOrderRequest;
const chunks = new PipeReader(pipe);
const answer = (message: VenueOrderAnswer): void => parentPort!.postMessage(message);
try {
  writeVenueFile(path, rowsOfChunks(chunks), layout, maxFeedLagUs);
  answer({ written: true });
} catch (error) {
  chunks.fail();
  answer({ message: error instanceof Error ? error.message : String(error), fields: { ...(error as object) }, stack: error instanceof Error ? error.stack : undefined });
}
