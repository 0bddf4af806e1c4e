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

/** The whole second isoMicros formatted last, and its ISO 8601 text up to the fraction ("…T12:34:56."). */
let lastSecond = NaN;
let lastSecondText = '';

/**
 * ISO 8601 with microseconds, UTC, of a whole number of µs. Times come in long runs within the same second
 * (a day's fills, timeline samples), so the text of the last second is kept and only the six digits of the
 * fraction are formatted anew.
 */
export function isoMicros(us: Micros): string {
  const second = Math.floor(us / US_PER_SECOND);
  if (second !== lastSecond) {
    lastSecondText = new Date(second * 1000).toISOString().slice(0, -4); // drop "000Z"
    lastSecond = second;
  }
  return `${lastSecondText}${String(us - second * US_PER_SECOND).padStart(6, '0')}Z`;
}

const US_PER_HOUR = 3_600_000_000;
const US_PER_DAY = 24 * US_PER_HOUR;

/**
 * The UTC hour of a whole number of µs, two digits ("00" to "23"): isoMicros(us).slice(11, 13) without
 * formatting the date (the summary's breakdown by hour reads it for each of a day's fills). The µs into the
 * day is an exact remainder, so the hour is exact at every boundary.
 */
export function utcHour(us: Micros): string {
  const inDay = us % US_PER_DAY;
  const hour = Math.floor((inDay < 0 ? inDay + US_PER_DAY : inDay) / US_PER_HOUR);
  return hour < 10 ? `0${hour}` : String(hour);
}
