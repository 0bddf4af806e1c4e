/**
 * A growable pair of columns (time, value…) backed by Float64Arrays: appending does not allocate except
 * when the capacity doubles. Used to record paths (mid, own quotes) during a run.
 */
export class Series {
  length = 0;
  time: Float64Array;
  readonly values: Float64Array[];

  constructor(valueColumns: number, capacity = 1024) {
    this.time = new Float64Array(capacity);
    this.values = Array.from({ length: valueColumns }, () => new Float64Array(capacity));
  }

  /** Appends an entry with one value column. */
  push1(time: number, value: number): void {
    if (this.length === this.time.length) this.grow();
    this.time[this.length] = time;
    this.values[0][this.length++] = value;
  }

  /** Appends an entry with two value columns. */
  push2(time: number, a: number, b: number): void {
    if (this.length === this.time.length) this.grow();
    this.time[this.length] = time;
    this.values[0][this.length] = a;
    this.values[1][this.length++] = b;
  }

  /** Index of the last entry at or before `time`, or -1. */
  indexAt(time: number): number {
    let lo = 0;
    let hi = this.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.time[mid] <= time) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  private grow(): void {
    const capacity = this.time.length * 2;
    const time = new Float64Array(capacity);
    time.set(this.time);
    this.time = time;
    for (let c = 0; c < this.values.length; c++) {
      const column = new Float64Array(capacity);
      column.set(this.values[c]);
      this.values[c] = column;
    }
  }
}
