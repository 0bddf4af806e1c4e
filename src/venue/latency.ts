import { z } from 'zod';
import { boundedNumber, BOUNDS } from '../core/bounds.ts';
import type { Rng } from '../core/rng.ts';
import { US_PER_MS, type Micros } from '../core/units.ts';
import { defineVenueModel } from './model.ts';

/**
 * Latency models: how long an order takes to reach the venue (entry) and how long the venue's answer or a
 * fill notice takes to reach the strategy (response).
 *
 * Rules:
 * - `constant`: every entry takes `entryMs`, every response `responseMs` (rounded to whole µs).
 * - `lognormal`: each delay is drawn from a lognormal distribution with the given median (ms) and log-sd, from
 *   the seeded RNG passed in, so a run is reproducible; delays are rounded to whole µs.
 * - `recorded` (recorded-latency.ts): a recorded series of order latencies, interpolated over time.
 * - A model is asked for the entry latency of a request sent at a time (the strategy's clock), and for the
 *   response latency of an answer or fill notice leaving the venue at a time; `constant` and `lognormal`
 *   do not depend on it.
 * - Each channel is FIFO: the simulator never lets a later message overtake an earlier one on the same
 *   channel (a random draw that would do so is held back to the earlier message's arrival time).
 * - Market data latency is not modelled here: replayed events reach the strategy at their recorded
 *   `localTs`; synthetic generators stamp `localTs` with their configured feed latency.
 * Known limits: no dependence on load, message size or time of day; no packet loss.
 */
export interface LatencyModel {
  /** The entry latency of a request sent at `sentTs`. */
  entry(sentTs: Micros): Micros;
  /** The response latency of an answer or fill notice leaving the venue at `venueTs`. */
  response(venueTs: Micros): Micros;
}

/** What a latency model is made with: the run's seeded RNG and the scenario file's folder (for recordings). */
export interface LatencyContext {
  rng: Rng;
  baseDir: string;
}

export const constantLatency = defineVenueModel({
  name: 'constant',
  description: 'every entry takes entryMs, every response responseMs',
  params: z.object({ entryMs: boundedNumber(BOUNDS.latencyMs), responseMs: boundedNumber(BOUNDS.latencyMs) }),
  create: ({ entryMs, responseMs }, _context: LatencyContext): LatencyModel => {
    const entryUs = Math.round(entryMs * US_PER_MS);
    const responseUs = Math.round(responseMs * US_PER_MS);
    return { entry: () => entryUs, response: () => responseUs };
  },
});

export const lognormalLatency = defineVenueModel({
  name: 'lognormal',
  description: 'each delay drawn from a lognormal with the given median (ms) and log-sd, from the seeded RNG',
  params: z.object({
    entryMedianMs: boundedNumber({ above: 0, max: BOUNDS.latencyMs.max }),
    responseMedianMs: boundedNumber({ above: 0, max: BOUNDS.latencyMs.max }),
    /** Log-sd; at most 3 (beyond, the tail's delays run to hours). */
    sigma: boundedNumber({ min: 0, max: 3 }),
  }),
  create: ({ entryMedianMs, responseMedianMs, sigma }, { rng }: LatencyContext): LatencyModel => ({
    entry: () => Math.round(rng.lognormal(entryMedianMs * US_PER_MS, sigma)),
    response: () => Math.round(rng.lognormal(responseMedianMs * US_PER_MS, sigma)),
  }),
});

/** A FIFO channel: arrival = max(send time + delay, previous arrival). */
export class FifoChannel {
  private lastArrival = -Infinity;

  arrival(sendTime: Micros, delay: Micros): Micros {
    this.lastArrival = Math.max(sendTime + delay, this.lastArrival);
    return this.lastArrival;
  }
}
