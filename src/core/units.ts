/**
 * Units used inside the engine.
 * - Time is an integer count of microseconds since the Unix epoch (`Micros`); exact in a JS number to 2^53.
 * - Prices are integer ticks and sizes integer lots of a market's tickSize/lotSize; decimals exist only at
 *   the edges (parsing, the strategy API, printing).
 */
export type Micros = number;
export type Ticks = number;
export type Lots = number;

export const US_PER_MS = 1_000;
export const US_PER_SECOND = 1_000_000;

export type Side = 'buy' | 'sell';

/** +1 for buy, -1 for sell: the sign of the position change a fill of that side causes. */
export function sideSign(side: Side): 1 | -1 {
  return side === 'buy' ? 1 : -1;
}

export function oppositeSide(side: Side): Side {
  return side === 'buy' ? 'sell' : 'buy';
}

/** ISO 8601 with microseconds, UTC. */
export function isoMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  const micro = String(us - ms * 1000).padStart(3, '0');
  return new Date(ms).toISOString().replace('Z', `${micro}Z`);
}
