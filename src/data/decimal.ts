/**
 * Exact decimal parsing at the data edge: an ASCII decimal ("61837.63000000", "0.5", "1e-8") becomes an
 * integer count of 10^-decimals, then an integer count of ticks or lots, with no float arithmetic on the
 * digits.
 *
 * Rules:
 * - Accepted: optional '-', digits, optional '.' and digits; an exponent form (1e-8) is accepted through
 *   Number() and must still be exact at `decimals` places.
 * - Nonzero digits beyond `decimals` places mean the value is not a whole number of steps: TOO_PRECISE.
 * - Results are negative codes on failure (BAD_NUMBER, NEGATIVE, TOO_PRECISE, EMPTY, TOO_LARGE), so the hot
 *   loop does not allocate; callers turn a code into a message with `describeDecimalError`.
 * Known limits: values whose scaled integer exceeds 2^53 are refused (TOO_LARGE).
 */
export const BAD_NUMBER = -1;
export const NEGATIVE = -2;
export const TOO_PRECISE = -3;
export const EMPTY = -4;
export const TOO_LARGE = -5;
export const NOT_WHOLE_STEPS = -6;

const POW10 = Array.from({ length: 19 }, (_, i) => 10 ** i);
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Where the last scanScaled or scanUint stopped: the index of the first byte that is not part of the number (or `end`). */
export const scanned = { end: 0 };

/**
 * Reads the number that starts at buf[start] up to the first byte that cannot continue it ('-' first, then
 * digits, one '.' and digits) or `end`, and sets `scanned.end` there: an integer count of 10^-decimals, or a
 * negative error code (TOO_PRECISE as soon as a nonzero digit lies beyond `decimals` places). A reader that
 * splits a line as it goes checks that `scanned.end` is its field's end; parseScaled is the whole rule.
 */
export function scanScaled(buf: Uint8Array, start: number, end: number, decimals: number): number {
  let i = start;
  let negative = false;
  if (i < end && buf[i] === 45 /* - */) {
    negative = true;
    i++;
  }
  let value = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = buf[i] - 48;
    if (c < 0 || c > 9) break;
    value = value * 10 + c;
    digits++;
  }
  let frac = 0;
  if (i < end && buf[i] === 46 /* . */) {
    i++;
    for (; i < end; i++) {
      const c = buf[i] - 48;
      if (c < 0 || c > 9) break;
      if (frac < decimals) {
        value = value * 10 + c;
        frac++;
      } else if (c !== 0) {
        scanned.end = i;
        return TOO_PRECISE;
      }
      digits++;
    }
  }
  scanned.end = i;
  if (digits === 0) return BAD_NUMBER;
  if (frac < decimals) value *= POW10[decimals - frac];
  if (value > MAX_SAFE) return TOO_LARGE;
  if (negative && value !== 0) return NEGATIVE;
  return value;
}

/** Parses buf[start, end) to an integer count of 10^-decimals, or a negative error code. */
export function parseScaled(buf: Uint8Array, start: number, end: number, decimals: number): number {
  if (start >= end) return EMPTY;
  const value = scanScaled(buf, start, end, decimals);
  if (value === TOO_PRECISE) return finishExotic(buf, start, end, decimals, TOO_PRECISE);
  if (scanned.end < end) return finishExotic(buf, start, end, decimals, BAD_NUMBER);
  return value;
}

/** The same for a JS string (Binance JSON values). */
export function parseScaledString(text: string, decimals: number): number {
  const n = text.length;
  const buf = STRING_BUF.length >= n ? STRING_BUF : new Uint8Array(n);
  for (let i = 0; i < n; i++) buf[i] = text.charCodeAt(i) & 0xff;
  return parseScaled(buf, 0, n, decimals);
}
const STRING_BUF = new Uint8Array(64);

/** Exponent forms and other rarities go through Number() and an exactness check. */
function finishExotic(buf: Uint8Array, start: number, end: number, decimals: number, fallback: number): number {
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(buf[i]);
  if (!/^-?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$/.test(text)) return fallback;
  const number = Number(text);
  if (!Number.isFinite(number)) return BAD_NUMBER;
  if (number < 0) return NEGATIVE;
  const scaled = number * POW10[decimals];
  const rounded = Math.round(scaled);
  if (rounded > MAX_SAFE) return TOO_LARGE;
  if (Math.abs(scaled - rounded) > 1e-6 * Math.max(1, Math.abs(scaled))) return TOO_PRECISE;
  return rounded;
}

/** Converts a scaled integer to whole steps (`stepUnits` = step × 10^decimals), or NOT_WHOLE_STEPS. */
export function toSteps(scaled: number, stepUnits: number): number {
  if (scaled < 0) return scaled;
  const steps = scaled / stepUnits;
  return Number.isInteger(steps) ? steps : NOT_WHOLE_STEPS;
}

/** Reads the digits that start at buf[start] (none: 0) up to the first other byte or `end`, and sets `scanned.end` there. */
export function scanUint(buf: Uint8Array, start: number, end: number): number {
  let value = 0;
  let i = start;
  for (; i < end; i++) {
    const c = buf[i] - 48;
    if (c < 0 || c > 9) break;
    value = value * 10 + c;
  }
  scanned.end = i;
  return value;
}

/** Parses an unsigned integer (timestamps); returns -1 when not all digits. */
export function parseUint(buf: Uint8Array, start: number, end: number): number {
  if (start >= end) return -1;
  const value = scanUint(buf, start, end);
  return scanned.end === end ? value : -1;
}

/** Text for a failed parse; `step` names what a whole step is, e.g. "tickSize 0.01". */
export function describeDecimalError(code: number, step: string): string {
  switch (code) {
    case EMPTY:
      return 'expected a number, got an empty field';
    case NEGATIVE:
      return 'expected a non-negative number';
    case TOO_PRECISE:
    case NOT_WHOLE_STEPS:
      return `expected a whole number of ${step}`;
    case TOO_LARGE:
      return 'expected a number below 2^53 steps';
    default:
      return 'expected a decimal number';
  }
}

/** Scale of a market step: the decimals needed to write it exactly and the step in those units. */
export interface StepScale {
  decimals: number;
  units: number;
  step: number;
  name: string;
}

export function stepScale(step: number, name: string): StepScale {
  let decimals = 0;
  while (decimals < 15 && Math.abs(step * POW10[decimals] - Math.round(step * POW10[decimals])) > 1e-9 * Math.max(1, step * POW10[decimals])) decimals++;
  return { decimals, units: Math.round(step * POW10[decimals]), step, name: `${name} ${step}` };
}

/** Parses and converts to steps in one go; negative codes on failure. */
export function parseSteps(buf: Uint8Array, start: number, end: number, scale: StepScale): number {
  const scaled = parseScaled(buf, start, end, scale.decimals);
  if (scaled < 0) return scaled;
  return scale.units === 1 ? scaled : toSteps(scaled, scale.units);
}

export function parseStepsString(text: string, scale: StepScale): number {
  const scaled = parseScaledString(text, scale.decimals);
  if (scaled < 0) return scaled;
  return scale.units === 1 ? scaled : toSteps(scaled, scale.units);
}

/** Prints a count of steps as the exact decimal (for messages). */
export function formatSteps(steps: number, scale: StepScale): string {
  return (steps * scale.step).toFixed(scale.decimals);
}
