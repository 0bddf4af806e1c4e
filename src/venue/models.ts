import type { Rng } from '../core/rng.ts';
import type { LatencyContext, LatencyModel } from './latency.ts';
import { constantLatency, lognormalLatency } from './latency.ts';
import { recordedLatency } from './recorded-latency.ts';
import { createFromConfig, type ModelConfig } from './model.ts';
import { l3Queue } from './l3-queue.ts';
import type { QueueModel } from './queue.ts';
import { probabilisticQueue, riskAverseQueue } from './queue.ts';

/** The venue models a scenario can pick (`venue.queue.model`, `venue.latency.model`), default first. */
export const QUEUE_MODELS = [riskAverseQueue, probabilisticQueue, l3Queue] as const;
export const LATENCY_MODELS = [constantLatency, lognormalLatency, recordedLatency] as const;

export type QueueConfig = ModelConfig<(typeof QUEUE_MODELS)[number]>;
export type LatencyConfig = ModelConfig<(typeof LATENCY_MODELS)[number]>;

export function createQueueModel(config: QueueConfig): QueueModel {
  return createFromConfig<QueueModel, void>(QUEUE_MODELS, config, undefined);
}

/** A latency model; `baseDir` (default the working folder) is where a recording's relative path starts. */
/** Whether the queue model a config names reads the market's order events (an order-by-order model). */
export function queueReadsOrderEvents(config: QueueConfig): boolean {
  return createQueueModel(config).onOrderEvent !== undefined;
}

export function createLatencyModel(config: LatencyConfig, rng: Rng, baseDir = '.'): LatencyModel {
  return createFromConfig<LatencyModel, LatencyContext>(LATENCY_MODELS, config, { rng, baseDir });
}
