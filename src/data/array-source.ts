import type { MarketEvent, OpenMarketEvents } from '../core/events.ts';
import { byExchangeTime, maxFeedLag } from './exchange-order.ts';

/** Events held in memory, in localTs order, opened as a source (for tests and small hand-built markets). */
export function openEventArray(events: readonly MarketEvent[]): OpenMarketEvents {
  return () => {
    let index = 0;
    return { next: () => (index < events.length ? events[index++] : null) };
  };
}

/** The venue's timeline of events held in memory (localTs order): the same events in exchTs order (exchange-order.ts). */
export function openEventArrayByExchTime(events: readonly MarketEvent[]): OpenMarketEvents {
  return byExchangeTime(openEventArray(events), maxFeedLag(events));
}
