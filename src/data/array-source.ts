import type { MarketEvent, OpenMarketEvents } from '../core/events.ts';

/** Events held in memory, in localTs order, opened as a source (for tests and small hand-built markets). */
export function openEventArray(events: readonly MarketEvent[]): OpenMarketEvents {
  return () => {
    let index = 0;
    return { next: () => (index < events.length ? events[index++] : null) };
  };
}
