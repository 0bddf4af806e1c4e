/**
 * The text of a CSV cell, shared by every CSV spreadlab writes (run tables, sweep and reconcile tables).
 * Rules: a number is written as JavaScript prints it (String(n)); text holding a comma, a double quote, a
 * carriage return or a line feed is put in double quotes with its quotes doubled (RFC 4180), other text is
 * written as it is.
 * numberText prints an integer beyond ±1e9 (a µs timestamp, ~1.7e15) from its two halves of at most eight
 * digits: V8 prints such a double several times slower than a small integer, and a day's run tables hold
 * ~400 k of them. The text is String(n)'s.
 */

/** Text a CSV reader takes back as this text: quoted when it holds a comma, a quote or a line break. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** String(value), printed faster for a safe integer of more than nine digits. */
export function numberText(value: number): string {
  if (!Number.isSafeInteger(value) || (value < 1e9 && value > -1e9)) return String(value);
  const magnitude = Math.abs(value);
  const low = magnitude % 1e8; // exact: the remainder of two doubles is
  const digits = `${(magnitude - low) / 1e8}${String(low).padStart(8, '0')}`;
  return value < 0 ? `-${digits}` : digits;
}
