import type { BookView, FillEvent, OpenOrder, OrderAck, OrderRequest, Snapshot, TradeView, Venue } from '../strategy/api.ts';
import type { RiskLimits } from './config.ts';

/**
 * The risk guard: a Venue wrapped around the real (or paper) venue, outside the strategy, so the same
 * strategy code runs under it unchanged.
 *
 * Rules (checked on every order the strategy places or amends, in this order; a refused order is answered
 * with status 'rejected' and a reason starting "risk guard:", and never reaches the venue):
 * - halted (kill switch fired, or the run is stopping): every order is refused;
 * - paused (stale market data): every order is refused until data is fresh again;
 * - no mid known yet: refused (the price band cannot be checked);
 * - price band: |price / mid − 1| × 10 000 > priceBandBps is refused (limit orders);
 * - order rate: more than maxOrdersPerMinute orders placed or amended in the last 60 s is refused;
 * - position: a buy is refused when position + open buys (orders this guard let through, less their
 *   fills) + size > maxPosition; a sell likewise on the short side.
 * Checked by `check()` (the live run calls it every 250 ms, and after each fill):
 * - stale market data: no update for staleDataSeconds → cancel all and pause; the first fresh update
 *   resumes quoting (the strategy's next cycle quotes again);
 * - max loss (kill switch): equity ≤ −maxLoss (a loss from the start), or equity maxLoss or more below the
 *   highest equity seen at a check (a drawdown from the peak: a run that first gains does not get to lose
 *   those gains and then maxLoss more) → cancel all, halt, and call onKill (the run stops); with
 *   flattenOnKill, then close the position with one reduce-only market order (IOC by nature), reported as
 *   a `flatten` event with its outcome;
 * - |position| > maxPosition (fills can overshoot): cancel all once per breach.
 * Every decision is reported through onEvent (the live run writes it to orders.jsonl).
 * With several markets, the price band, position and open orders of an order are its own market's; a
 * position breach, stale data and the kill switch (equity over every market) cancel in every market.
 */
export interface GuardState {
  /** Wall-clock ms. */
  now(): number;
  /** Current mid of a market (decimal), NaN when unknown. */
  mid(market: string): number;
  /** A market's position, base units. */
  position(market: string): number;
  /** Equity (PnL since the start, quote currency), marked to the mid. */
  equity(): number;
  /** Wall-clock ms of the last market data update (−Infinity before the first). */
  lastMarketData(): number;
}

export interface GuardEvent {
  type: 'refused' | 'pause' | 'resume' | 'kill' | 'flatten' | 'position-limit' | 'halt';
  reason: string;
  order?: OrderRequest;
}

const EPS = 1e-9;
const MINUTE_MS = 60_000;

export class RiskGuard implements Venue {
  paused = false;
  halted = false;
  killed = false;
  private readonly sent: number[] = [];
  private readonly open = new Map<string, { market: string; side: 'buy' | 'sell'; remaining: number }>();
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private positionBreach = false;
  private peakEquity = 0;

  constructor(
    private readonly inner: Venue,
    private readonly limits: RiskLimits,
    private readonly state: GuardState,
    private readonly onEvent: (event: GuardEvent) => void = () => {},
    private readonly onKill: (reason: string) => void = () => {},
  ) {
    inner.onFill((fill) => {
      const order = this.open.get(fill.orderId);
      if (order) {
        order.remaining -= fill.size;
        if (order.remaining <= EPS) this.open.delete(fill.orderId);
      }
    });
  }

  /** Why an order would be refused now, or null. */
  refusal(request: OrderRequest): string | null {
    if (this.halted) return this.killed ? 'halted by the kill switch' : 'the run is stopping';
    if (this.paused) return `paused: no market data for more than ${this.limits.staleDataSeconds} s`;
    const mid = this.state.mid(request.market);
    if (!Number.isFinite(mid)) return 'no market data yet (mid unknown)';
    if (request.price !== undefined && (request.type ?? 'limit') === 'limit') {
      const distance = Math.abs(request.price / mid - 1) * 10_000;
      if (distance > this.limits.priceBandBps + EPS) {
        return `price ${request.price} is ${distance.toFixed(1)} bps from the mid ${mid}, beyond the band of ${this.limits.priceBandBps} bps`;
      }
    }
    this.dropOld();
    if (this.sent.length >= this.limits.maxOrdersPerMinute)
      return `order rate: ${this.sent.length} orders in the last 60 s (limit ${this.limits.maxOrdersPerMinute})`;
    const position = this.state.position(request.market);
    let openSame = 0;
    for (const o of this.open.values()) if (o.market === request.market && o.side === request.side) openSame += o.remaining;
    const worst = request.side === 'buy' ? position + openSame + request.size : position - openSame - request.size;
    if (Math.abs(worst) > this.limits.maxPosition + EPS && Math.abs(worst) > Math.abs(position) - EPS) {
      return `position: ${request.side} ${request.size} with position ${position} and ${openSame} open on that side could reach ${Number(worst.toFixed(12))}, beyond maxPosition ${this.limits.maxPosition}`;
    }
    return null;
  }

  async placeOrder(request: OrderRequest): Promise<OrderAck> {
    const reason = this.refusal(request);
    if (reason !== null) {
      this.onEvent({ type: 'refused', reason, order: request });
      return { id: '', status: 'rejected', filled: 0, remaining: request.size, reason: `risk guard: ${reason}` };
    }
    this.sent.push(this.state.now());
    const ack = await this.track(this.inner.placeOrder(request));
    if (ack.status === 'open' && ack.remaining > 0)
      this.open.set(ack.id, { market: request.market, side: request.side, remaining: ack.remaining });
    return ack;
  }

  async amendOrder(market: string, orderId: string, change: { price?: number; size?: number }): Promise<OrderAck> {
    const known = this.open.get(orderId);
    const request: OrderRequest = {
      market,
      side: known?.side ?? 'buy',
      size: Math.max(0, (change.size ?? known?.remaining ?? 0) - (known?.remaining ?? 0)),
      price: change.price,
    };
    const reason = this.refusal(request);
    if (reason !== null) {
      this.onEvent({ type: 'refused', reason, order: request });
      return { id: orderId, status: 'rejected', filled: 0, remaining: known?.remaining ?? 0, reason: `risk guard: ${reason}` };
    }
    this.sent.push(this.state.now());
    const ack = await this.track(this.inner.amendOrder(market, orderId, change));
    if (known && ack.status === 'open') known.remaining = ack.remaining;
    return ack;
  }

  async cancelOrder(market: string, orderId: string): Promise<OrderAck> {
    const ack = await this.track(this.inner.cancelOrder(market, orderId));
    if (ack.status !== 'open') this.open.delete(orderId);
    return ack;
  }

  async cancelAllOrders(market: string): Promise<number> {
    const n = await this.track(this.inner.cancelAllOrders(market));
    for (const [id, o] of this.open) if (o.market === market) this.open.delete(id);
    return n;
  }

  getSnapshot(market: string, depth?: number): Promise<Snapshot> {
    return this.inner.getSnapshot(market, depth);
  }

  getPosition(market: string): Promise<number> {
    return this.inner.getPosition(market);
  }

  getOpenOrders(market: string): Promise<OpenOrder[]> {
    return this.inner.getOpenOrders(market);
  }

  fetchSnapshot(market: string, depth?: number): Promise<Snapshot> {
    return this.inner.fetchSnapshot(market, depth);
  }

  fetchPosition(market: string): Promise<number> {
    return this.inner.fetchPosition(market);
  }

  fetchOpenOrders(market: string): Promise<OpenOrder[]> {
    return this.inner.fetchOpenOrders(market);
  }

  onFill(handler: (fill: FillEvent) => void): void {
    this.inner.onFill(handler);
  }

  onBook(handler: (book: BookView) => void): void {
    this.inner.onBook(handler);
  }

  onTrade(handler: (trade: TradeView) => void): void {
    this.inner.onTrade(handler);
  }

  /** Periodic checks over the run's markets: stale data, max loss, position breach. */
  async check(...markets: string[]): Promise<void> {
    if (this.halted) return;
    const now = this.state.now();
    const stale = now - this.state.lastMarketData() > this.limits.staleDataSeconds * 1000;
    if (stale && !this.paused) {
      this.paused = true;
      this.onEvent({ type: 'pause', reason: `no market data for more than ${this.limits.staleDataSeconds} s: cancel all, pause` });
      await this.cancelAllSafely(markets);
    } else if (!stale && this.paused) {
      this.paused = false;
      this.onEvent({ type: 'resume', reason: 'market data fresh again' });
    }
    const equity = this.state.equity();
    if (equity > this.peakEquity) this.peakEquity = equity;
    const drawdown = this.peakEquity - equity; // from the start too: the peak starts at 0 (NaN, without a mid, never trips)
    if (drawdown >= this.limits.maxLoss) {
      const reason =
        this.peakEquity > 0
          ? `drawdown ${drawdown.toPrecision(6)} from the peak equity ${this.peakEquity.toPrecision(6)} reached maxLoss ${this.limits.maxLoss}: cancel all, stop`
          : `loss ${drawdown.toPrecision(6)} reached maxLoss ${this.limits.maxLoss}: cancel all, stop`;
      this.killed = true;
      this.halted = true;
      this.onEvent({ type: 'kill', reason });
      await this.cancelAllSafely(markets);
      if (this.limits.flattenOnKill) for (const market of markets) await this.flatten(market);
      this.onKill(reason);
      return;
    }
    const over = markets.find((m) => Math.abs(this.state.position(m)) > this.limits.maxPosition + EPS);
    const breach = over !== undefined;
    if (over !== undefined && !this.positionBreach) {
      this.onEvent({
        type: 'position-limit',
        reason: `|position| ${Math.abs(this.state.position(over))}${markets.length > 1 ? ` in ${over}` : ''} > maxPosition ${this.limits.maxPosition}: cancel all`,
      });
      await this.cancelAllSafely(markets);
    }
    this.positionBreach = breach;
  }

  /** Refuses every order from now on (the run is stopping). */
  halt(reason: string): void {
    if (this.halted) return;
    this.halted = true;
    this.onEvent({ type: 'halt', reason });
  }

  /** Resolves when no venue call made through the guard is in flight (or after `timeoutMs`). */
  idle(timeoutMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Closes the position with one reduce-only market order (sent past the halt: it only reduces risk). */
  private async flatten(market: string): Promise<void> {
    const position = this.state.position(market);
    if (Math.abs(position) <= EPS) return this.onEvent({ type: 'flatten', reason: 'no position to close' });
    const order: OrderRequest = {
      market,
      side: position > 0 ? 'sell' : 'buy',
      size: Math.abs(position),
      type: 'market',
      timeInForce: 'IOC',
      reduceOnly: true,
    };
    try {
      const ack = await this.track(this.inner.placeOrder(order));
      this.onEvent({
        type: 'flatten',
        reason: `reduce-only ${order.side} ${order.size}: ${ack.status}, filled ${ack.filled}${ack.reason ? ` (${ack.reason})` : ''}`,
        order,
      });
    } catch (error) {
      this.onEvent({ type: 'flatten', reason: `reduce-only ${order.side} ${order.size} failed: ${(error as Error).message}`, order });
    }
  }

  private async cancelAllSafely(markets: string[]): Promise<void> {
    for (const market of markets) {
      try {
        await this.cancelAllOrders(market);
      } catch (error) {
        this.onEvent({ type: 'refused', reason: `cancel all failed: ${(error as Error).message}` });
      }
    }
  }

  private async track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await promise;
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    }
  }

  private dropOld(): void {
    const cutoff = this.state.now() - MINUTE_MS;
    const kept = this.sent.findIndex((sentAt) => sentAt > cutoff);
    this.sent.splice(0, kept < 0 ? this.sent.length : kept);
  }
}
