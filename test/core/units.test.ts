import { describe, expect, it } from 'vitest';
import { isoMicros, utcHour } from '../../src/core/units.ts';

/** isoMicros as it was before it kept the last day's text: every call through Date. */
function isoMicrosThroughDate(us: number): string {
  const ms = Math.floor(us / 1000);
  const micro = String(us - ms * 1000).padStart(3, '0');
  return new Date(ms).toISOString().replace('Z', `${micro}Z`);
}

describe('isoMicros', () => {
  it('gives the text Date gives, within one second, across seconds, days and years, and back again', () => {
    const day = Date.UTC(2025, 0, 1) * 1000;
    const times = [
      day,
      day + 1,
      day + 999,
      day + 1000,
      day + 999_999,
      day + 1_000_000,
      day + 86_400_000_000 - 1,
      day + 86_400_000_000,
      day + 5,
      Date.UTC(2024, 1, 29, 23, 59, 59) * 1000 + 999_999, // leap day, last µs
      0,
      -0,
      1,
      -1, // before the epoch: the second below, 999999 µs into it
      -1_000_000,
      -1_500_001,
      Date.UTC(2200, 11, 31, 23, 59, 59) * 1000 + 123_456,
      Number.MAX_SAFE_INTEGER, // the last exact µs (2255)
      -Number.MAX_SAFE_INTEGER, // 1684
      day + 42,
      day + 42,
    ];
    for (const us of times) expect(isoMicros(us), String(us)).toBe(isoMicrosThroughDate(us));
  });

  it('gives the same text for a day of times in order as one by one', () => {
    const start = Date.UTC(2025, 0, 1, 23, 59, 58) * 1000;
    for (let us = start; us < start + 3_000_000; us += 9_973) expect(isoMicros(us)).toBe(isoMicrosThroughDate(us));
  });

  it('gives the text Date gives at every second of two days (each hour, minute and second of the day)', () => {
    const start = Date.UTC(2025, 0, 1) * 1000 + 123;
    for (let us = start; us < start + 2 * 86_400_000_000; us += 1_000_000) expect(isoMicros(us)).toBe(isoMicrosThroughDate(us));
  });

  it('refuses a time that is not one, as Date does', () => {
    expect(() => isoMicros(NaN)).toThrow(RangeError);
    expect(() => isoMicros(1e30)).toThrow(RangeError);
  });
});

describe('utcHour', () => {
  it("is isoMicros' hour, at and next to every hour boundary of a day, before the epoch and at the ends of the safe integers", () => {
    const day = Date.UTC(2025, 0, 1) * 1000;
    const hour = 3_600_000_000;
    const times = [0, -0, 1, -1, -hour, -hour - 1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1_735_736_643_486_000];
    for (let h = -1; h <= 25; h++) times.push(day + h * hour - 1, day + h * hour, day + h * hour + 1);
    for (let k = 0; k < 1000; k++) times.push(Math.round((k / 1000 - 0.5) * 2 * Number.MAX_SAFE_INTEGER));
    for (const us of times) expect(utcHour(us), String(us)).toBe(isoMicros(us).slice(11, 13));
  });
});
