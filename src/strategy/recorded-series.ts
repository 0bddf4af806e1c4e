import { SpreadlabError } from '../core/errors.ts';
import { Series } from '../core/series.ts';
import type { Micros } from '../core/units.ts';

/**
 * Named series a strategy records through its context (`context.record(name, value)`): what it decided over
 * time, e.g. the spread an adaptive strategy chose. The run folder keeps them in strategy-series.csv and the
 * run report charts them.
 *
 * Rules:
 * - A name is a letter followed by letters, digits, `_`, `.` or `-` (it is written unquoted in a CSV); a
 *   value is a finite number. Anything else is a user error naming the series.
 * - A point is stamped with the strategy's clock (virtual time in a backtest) in µs; a value equal to the
 *   series' last one is not stored again (the series is a step function: it holds until it changes).
 * - Series keep the order in which their names were first recorded.
 */
const NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/;

export class RecordedSeries {
  private readonly byName = new Map<string, Series>();

  record(time: Micros, name: string, value: number): void {
    if (typeof name !== 'string' || !NAME.test(name))
      throw new SpreadlabError(`record(${JSON.stringify(name)}, …): a series name is a letter followed by letters, digits, _ . or -`);
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new SpreadlabError(`record("${name}", ${String(value)}): expected a finite number`);
    let series = this.byName.get(name);
    if (!series) {
      series = new Series(1, 64);
      this.byName.set(name, series);
    }
    if (series.length > 0 && series.values[0][series.length - 1] === value) return;
    series.push1(time, value);
  }

  /** Every point, series by series in first-recorded order, each in time order. */
  points(): { time: Micros; name: string; value: number }[] {
    return [...this.byName.entries()].flatMap(([name, s]) =>
      Array.from({ length: s.length }, (_, i) => ({ time: s.time[i], name, value: s.values[0][i] })),
    );
  }
}
