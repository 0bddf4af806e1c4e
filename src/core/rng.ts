import seedrandom from 'seedrandom';

/**
 * The only source of randomness in the simulator: a seeded generator passed in by whoever builds the run.
 * Same seed, same sequence, in any process. `fork(label)` derives an independent stream so that adding
 * draws in one model does not shift another model's sequence.
 */
export class Rng {
  private readonly draw: () => number;
  private spareNormal: number | null = null;

  constructor(readonly seed: string) {
    this.draw = seedrandom(seed);
  }

  fork(label: string): Rng {
    return new Rng(`${this.seed}/${label}`);
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.draw();
  }

  /** Standard normal (Marsaglia polar method). */
  normal(): number {
    if (this.spareNormal !== null) {
      const spare = this.spareNormal;
      this.spareNormal = null;
      return spare;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = this.draw() * 2 - 1;
      v = this.draw() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const factor = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * factor;
    return u * factor;
  }

  /** Exponential with the given rate (mean 1/rate). */
  exponential(rate: number): number {
    return -Math.log(1 - this.draw()) / rate;
  }

  /** Lognormal whose median is `median` and whose log has standard deviation `sigma`. */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.draw() * (hi - lo + 1));
  }
}
