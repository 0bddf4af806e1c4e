import type { MarketUnits } from '../../core/market.ts';
import type { Lots, Micros, Side, Ticks } from '../../core/units.ts';
import { sideSign } from '../../core/units.ts';
import { Ledger } from '../../ledger/ledger.ts';
import type { Liquidity } from '../../venue/fees.ts';

/**
 * The server's own records of the one account it serves: every order with its status, every fill, the
 * position and the balance. Tests compare what a client saw with these.
 *
 * Rules:
 * - Orders are numbered 1, 2, 3 … (Binance's numeric orderId); a client order id is kept as sent, or
 *   generated ("spreadlab-<orderId>") when none is sent.
 * - An order is open (NEW / PARTIALLY_FILLED) from newOrder until a fill completes it (applyFill) or it
 *   ends (endOrder); the open ones are also kept in their own map, in order of creation, so that
 *   openOrders() does not scan every order ever placed. Order statuses change only through these methods.
 * - Position, cash, fees and rebates are held exactly by the engine's Ledger (micro tick-lots).
 * - Realized PnL of a fill (Binance's `rp`) is what the fill closes of the position against its average
 *   entry price: closed × (price − entry) × sign of the position; opening fills realize 0.
 * - Balances (quote asset): margin balance = initial balance + ledger equity at the mid (cash, position at
 *   the mid, fees paid and rebates earned); unrealized PnL = position × (mid − entry); wallet balance =
 *   margin balance − unrealized PnL. Initial margin = |notional| / leverage. No margin checks, no
 *   liquidation, no funding.
 */
export type OrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'EXPIRED';
export type OrderType = 'LIMIT' | 'MARKET';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK' | 'GTX';

export interface OrderRecord {
  orderId: number;
  clientOrderId: string;
  side: Side;
  type: OrderType;
  timeInForce: TimeInForce;
  /** Limit price in ticks (NaN for a market order). */
  price: Ticks;
  origQty: Lots;
  executedQty: Lots;
  /** Σ price × size of the fills, tick-lots. */
  cumQuote: number;
  status: OrderStatus;
  reduceOnly: boolean;
  /** Wall-clock ms of creation and of the last change. */
  time: number;
  updateTime: number;
  /** Data (scenario) time of creation, µs. */
  dataTs: Micros;
}

export interface FillRecord {
  tradeId: number;
  orderId: number;
  clientOrderId: string;
  side: Side;
  price: Ticks;
  qty: Lots;
  liquidity: Liquidity;
  /** µTL; positive paid, negative a rebate. */
  fee: bigint;
  /** Quote currency. */
  realizedPnl: number;
  /** Wall-clock ms. */
  time: number;
  /** Data (scenario) time, µs. */
  dataTs: Micros;
  positionAfter: Lots;
}

export interface Balances {
  walletBalance: number;
  unrealizedProfit: number;
  marginBalance: number;
  initialMargin: number;
  openOrderInitialMargin: number;
  availableBalance: number;
  notional: number;
  markPrice: number;
  entryPrice: number;
}

export class Account {
  readonly ledger = new Ledger();
  readonly orders = new Map<number, OrderRecord>();
  readonly fills: FillRecord[] = [];
  /** The open orders (NEW / PARTIALLY_FILLED), by orderId. */
  private readonly open = new Map<number, OrderRecord>();
  private nextOrderId = 1;
  /** Wall ms of the last change of the position or balance. */
  updateTime: number;

  constructor(
    private readonly units: MarketUnits,
    readonly initialBalance: number,
    public leverage: number,
    startWallMs: number,
  ) {
    this.updateTime = startWallMs;
  }

  newOrder(
    fields: Omit<OrderRecord, 'orderId' | 'clientOrderId' | 'executedQty' | 'cumQuote' | 'status' | 'updateTime'> & {
      clientOrderId?: string;
    },
  ): OrderRecord {
    const orderId = this.nextOrderId++;
    const record: OrderRecord = {
      ...fields,
      orderId,
      clientOrderId: fields.clientOrderId ?? `spreadlab-${orderId}`,
      executedQty: 0,
      cumQuote: 0,
      status: 'NEW',
      updateTime: fields.time,
    };
    this.orders.set(orderId, record);
    this.open.set(orderId, record);
    return record;
  }

  /** The open orders, oldest first. */
  openOrders(): OrderRecord[] {
    return [...this.open.values()];
  }

  /** An open order ends without (completely) filling. */
  endOrder(order: OrderRecord, status: 'CANCELED' | 'EXPIRED', wallMs: number): void {
    order.status = status;
    order.updateTime = wallMs;
    this.open.delete(order.orderId);
  }

  /** The order a request names by orderId or, failing that, by client order id (the latest with it). */
  find(orderId: number | undefined, clientOrderId: string | undefined): OrderRecord | undefined {
    if (orderId !== undefined) return this.orders.get(orderId);
    if (clientOrderId === undefined) return undefined;
    let found: OrderRecord | undefined;
    for (const order of this.orders.values()) if (order.clientOrderId === clientOrderId) found = order;
    return found;
  }

  /** Books one fill of an order; returns the fill record. */
  applyFill(
    order: OrderRecord,
    price: Ticks,
    qty: Lots,
    liquidity: Liquidity,
    fee: bigint,
    tradeId: number,
    wallMs: number,
    dataTs: Micros,
  ): FillRecord {
    const realizedPnl = this.realizedBy(order.side, price, qty);
    this.ledger.applyFill(order.side, price, qty, fee);
    order.executedQty += qty;
    order.cumQuote += price * qty;
    order.status = order.executedQty >= order.origQty ? 'FILLED' : 'PARTIALLY_FILLED';
    if (order.status === 'FILLED') this.open.delete(order.orderId);
    order.updateTime = wallMs;
    this.updateTime = wallMs;
    const fill: FillRecord = {
      tradeId,
      orderId: order.orderId,
      clientOrderId: order.clientOrderId,
      side: order.side,
      price,
      qty,
      liquidity,
      fee,
      realizedPnl,
      time: wallMs,
      dataTs,
      positionAfter: this.ledger.position,
    };
    this.fills.push(fill);
    return fill;
  }

  /** Quote-currency value of tick-lots. */
  tickLots(value: number): number {
    return value * this.units.spec.tickSize * this.units.spec.lotSize;
  }

  /** Balances marked at `mid2` (best bid + best ask, ticks; NaN when the book is one-sided or empty). */
  balances(mid2: number): Balances {
    const { ledger } = this;
    const markTicks = Number.isFinite(mid2) ? mid2 / 2 : ledger.averageEntry;
    const entry = ledger.position === 0 ? 0 : ledger.averageEntry;
    const equity = Number.isFinite(mid2)
      ? this.units.money(ledger.equity(mid2))
      : this.units.money(ledger.cash - ledger.feesPaid + ledger.rebatesEarned) + this.tickLots(ledger.position * entry);
    const marginBalance = this.initialBalance + equity;
    const unrealizedProfit = ledger.position === 0 ? 0 : this.tickLots(ledger.position * (markTicks - entry));
    const notional = ledger.position === 0 ? 0 : this.tickLots(ledger.position * markTicks);
    const initialMargin = Math.abs(notional) / this.leverage;
    let openNotional = 0;
    for (const order of this.openOrders()) {
      if (Number.isFinite(order.price)) openNotional += this.tickLots(order.price * (order.origQty - order.executedQty));
    }
    const openOrderInitialMargin = openNotional / this.leverage;
    return {
      walletBalance: marginBalance - unrealizedProfit,
      unrealizedProfit,
      marginBalance,
      initialMargin,
      openOrderInitialMargin,
      availableBalance: marginBalance - initialMargin - openOrderInitialMargin,
      notional,
      markPrice: Number.isFinite(markTicks) ? markTicks * this.units.spec.tickSize : 0,
      entryPrice: entry * this.units.spec.tickSize,
    };
  }

  private realizedBy(side: Side, price: Ticks, qty: Lots): number {
    const position = this.ledger.position;
    const sign = sideSign(side);
    if (position === 0 || Math.sign(position) === sign) return 0;
    const closed = Math.min(qty, Math.abs(position));
    return this.tickLots(closed * (price - this.ledger.averageEntry) * Math.sign(position));
  }
}
