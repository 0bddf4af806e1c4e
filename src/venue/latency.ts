import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/units.ts';

/**
 * Latency models: how long an order takes to reach the venue (entry) and how long the venue's answer or a
 * fill notice takes to reach the strategy (response).
 *
 * Rules:
 * - `constant`: every entry takes `entryUs`, every response `responseUs`.
 * - `lognormal`: each delay is drawn from a lognormal distribution with the given median and log-sd, from
 *   the seeded RNG passed in, so a run is reproducible; delays are rounded to whole µs.
 * - Each channel is FIFO: the simulator never lets a later message overtake an earlier one on the same
 *   channel (a random draw that would do so is held back to the earlier message's arrival time).
 * - Market data latency is not modelled here: replayed events reach the strategy at their recorded
 *   `localTs`; synthetic generators stamp `localTs` with their configured feed latency.
 * Known limits: no dependence on load, message size or time of day; no packet loss.
 */
export interface LatencyModel {
  entry(): Micros;
  response(): Micros;
}

export type LatencyConfig =
  | { model: 'constant'; entryUs: number; responseUs: number }
  | { model: 'lognormal'; entryMedianUs: number; responseMedianUs: number; sigma: number };

export function createLatencyModel(config: LatencyConfig, rng: Rng): LatencyModel {
  if (config.model === 'constant') {
    return { entry: () => config.entryUs, response: () => config.responseUs };
  }
  return {
    entry: () => Math.round(rng.lognormal(config.entryMedianUs, config.sigma)),
    response: () => Math.round(rng.lognormal(config.responseMedianUs, config.sigma)),
  };
}

/** A FIFO channel: arrival = max(send time + delay, previous arrival). */
export class FifoChannel {
  private lastArrival = -Infinity;

  arrival(sendTime: Micros, delay: Micros): Micros {
    this.lastArrival = Math.max(sendTime + delay, this.lastArrival);
    return this.lastArrival;
  }
}
