import { SpreadlabError } from './errors.ts';
import type { Lots, Ticks } from './units.ts';

/** A market's static description: what one tick and one lot are worth, and the fee schedule. */
export interface MarketSpec {
  symbol: string;
  tickSize: number;
  lotSize: number;
  /** Fee in basis points of notional; negative is a rebate (the seed's 0.02 % maker rebate is -2). */
  makerFeeBps: number;
  takerFeeBps: number;
  /**
   * Base units one unit of size stands for (a linear contract's multiplier; default 1: sizes are in base
   * units, as on Binance spot and USD-M). Money and delta are size × contractSize × price.
   */
  contractSize?: number;
}

/** How many decimals a step such as 0.01 or 0.00001 needs to print exactly (12 at most). */
export function decimalsOf(step: number): number {
  return exactDecimals(step) ?? 12;
}

/** The decimals a step needs, or null when 12 are not enough (such a step cannot be priced exactly). */
export function exactDecimals(step: number): number | null {
  for (let d = 0; d <= 12; d++) {
    const scaled = step * 10 ** d;
    const whole = Math.round(scaled);
    if (whole >= 1 && Math.abs(scaled - whole) < 1e-9 * scaled) return d;
  }
  return null;
}

/**
 * Converts between decimals (at the edges) and integer ticks/lots (inside).
 * A decimal that is not a whole number of steps (within 1e-6 of a step) is refused: exchanges reject such
 * prices and sizes too.
 * `price` and `size` give the double nearest to the count times the step rounded to the step's decimals
 * (what Number(x.toFixed(decimals)) gives); for a whole count of an exactly decimal step they compute it as
 * one division (exactDecimal), which the strategy's snapshots call for every level they show.
 */
export class MarketUnits {
  readonly priceDecimals: number;
  readonly sizeDecimals: number;
  /** One tick and one lot as whole numbers of their last decimal (null when the step is not an exact decimal). */
  private readonly tickDigits: number | null;
  private readonly lotDigits: number | null;
  /** Base units per unit of size (1 unless the market names a contract size). */
  readonly contractSize: number;
  /**
   * One micro tick-lot is `moneyMantissa` × 10^−moneyScale of the quote currency (1e-6 × one tick × one lot ×
   * the contract size), exactly.
   */
  readonly moneyMantissa: bigint;
  readonly moneyScale: number;

  constructor(readonly spec: MarketSpec) {
    this.priceDecimals = decimalsOf(spec.tickSize);
    this.sizeDecimals = decimalsOf(spec.lotSize);
    this.tickDigits = stepDigits(spec.tickSize);
    this.lotDigits = stepDigits(spec.lotSize);
    this.contractSize = spec.contractSize ?? 1;
    const contractDecimals = decimalsOf(this.contractSize);
    this.moneyMantissa =
      BigInt(Math.round(spec.tickSize * 10 ** this.priceDecimals)) *
      BigInt(Math.round(spec.lotSize * 10 ** this.sizeDecimals)) *
      BigInt(Math.round(this.contractSize * 10 ** contractDecimals));
    this.moneyScale = this.priceDecimals + this.sizeDecimals + contractDecimals + 6;
  }

  toTicks(price: number): Ticks {
    return wholeSteps(price, this.spec.tickSize, 'price', 'tickSize');
  }

  toLots(size: number): Lots {
    return wholeSteps(size, this.spec.lotSize, 'size', 'lotSize');
  }

  /** Nearest tick, for prices that come from arithmetic (a mid times a spread) rather than from a user. */
  roundToTick(price: number): Ticks {
    return Math.round(price / this.spec.tickSize);
  }

  price(ticks: Ticks): number {
    return exactDecimal(ticks, this.tickDigits, this.priceDecimals) ?? Number((ticks * this.spec.tickSize).toFixed(this.priceDecimals));
  }

  size(lots: Lots): number {
    return exactDecimal(lots, this.lotDigits, this.sizeDecimals) ?? Number((lots * this.spec.lotSize).toFixed(this.sizeDecimals));
  }

  formatPrice(ticks: Ticks): string {
    return (ticks * this.spec.tickSize).toFixed(this.priceDecimals);
  }

  formatSize(lots: Lots): string {
    return (lots * this.spec.lotSize).toFixed(this.sizeDecimals);
  }

  /**
   * Quote-currency value of an exact amount in micro tick-lots (1e-6 × one tick × one lot, times the contract
   * size), computed in decimal so the printed figure is the nearest double to the exact value.
   */
  money(microTickLots: bigint): number {
    return decimalValue(microTickLots * this.moneyMantissa, this.moneyScale);
  }
}

/** 10^0 … 10^22: the powers of ten a double holds exactly. */
const EXACT_POWERS_OF_TEN = Array.from({ length: 23 }, (_, n) => Number(`1e${n}`));

/**
 * A step's value in units of its last decimal (0.25 → 25), or null when it is not the double nearest to a
 * decimal of at most 12 decimals (as a step written in a scenario is).
 */
function stepDigits(step: number): number | null {
  const decimals = exactDecimals(step);
  if (decimals === null) return null;
  const digits = Math.round(step * EXACT_POWERS_OF_TEN[decimals]);
  return digits / EXACT_POWERS_OF_TEN[decimals] === step ? digits : null;
}

/**
 * Values (in last decimals) below this: count × step, each within 2^−53 of its exact value, is within a
 * quarter of a last decimal of the exact product.
 */
const EXACT_DIGITS_LIMIT = 2 ** 50;

/**
 * `count` steps of `stepDigits` × 10^−decimals as the nearest double, for a whole count whose value in last
 * decimals stays under EXACT_DIGITS_LIMIT: then count × step differs from the exact value by less than half a
 * last decimal, so rounding it to `decimals` (toFixed) gives exactly digits / 10^decimals, and one correctly
 * rounded division gives the double nearest to that. Null otherwise (the caller rounds through text).
 */
function exactDecimal(count: number, stepDigits: number | null, decimals: number): number | null {
  if (stepDigits === null || !Number.isInteger(count)) return null;
  const digits = count * stepDigits;
  if (digits === 0) return 0; // not −0: toFixed writes "0"
  return Math.abs(digits) < EXACT_DIGITS_LIMIT ? digits / EXACT_POWERS_OF_TEN[decimals] : null;
}
const MAX_EXACT_INTEGER = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * The number `scaled` × 10^−scale, as the nearest double. When `scaled` and 10^scale are both exact doubles,
 * one division (correctly rounded, as IEEE 754 requires) gives it; otherwise it goes through its decimal text.
 */
export function decimalValue(scaled: bigint, scale: number): number {
  if (scale >= 0 && scale < EXACT_POWERS_OF_TEN.length && scaled <= MAX_EXACT_INTEGER && scaled >= -MAX_EXACT_INTEGER)
    return Number(scaled) / EXACT_POWERS_OF_TEN[scale];
  const negative = scaled < 0n;
  const digits = (negative ? -scaled : scaled).toString().padStart(scale + 1, '0');
  return Number(`${negative ? '-' : ''}${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`);
}

function wholeSteps(value: number, step: number, what: string, stepName: string): number {
  const steps = value / step;
  const rounded = Math.round(steps);
  if (!Number.isFinite(value) || Math.abs(steps - rounded) > 1e-6) {
    throw new SpreadlabError(`${what} ${value} is not a whole number of ${stepName} (${step})`);
  }
  return rounded;
}
