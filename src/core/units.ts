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

/** The UTC day isoMicros formatted last (days since the epoch), and its ISO 8601 date with the "T" ("2025-01-01T"). */
let lastDay = NaN;
let lastDayText = '';

/** "00" … "59": hours, minutes and seconds. */
const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'));

/**
 * ISO 8601 with microseconds, UTC, of a whole number of µs: Date's toISOString with six digits of fraction.
 * A day's times (fills, one timeline sample a second) share their date, so the text of the last day is kept
 * and the time of day is formatted from its parts (through Date, each second's text cost a day's tables
 * ~60 ms).
 */
export function isoMicros(us: Micros): string {
  const second = Math.floor(us / US_PER_SECOND);
  const day = Math.floor(second / SECONDS_PER_DAY);
  if (day !== lastDay) {
    const iso = new Date(day * SECONDS_PER_DAY * 1000).toISOString();
    lastDayText = iso.slice(0, iso.indexOf('T') + 1);
    lastDay = day;
  }
  const inDay = second - day * SECONDS_PER_DAY;
  const hour = Math.floor(inDay / 3600);
  const minute = Math.floor((inDay - hour * 3600) / 60);
  const time = `${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[inDay - hour * 3600 - minute * 60]}`;
  return `${lastDayText}${time}.${String(us - second * US_PER_SECOND).padStart(6, '0')}Z`;
}

const SECONDS_PER_DAY = 86_400;
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
