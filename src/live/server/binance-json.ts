import type { MarketUnits } from '../../core/market.ts';
import type { Side } from '../../core/units.ts';
import type { Account, Balances, FillRecord, OrderRecord } from './account.ts';
import type { VenueSymbol } from './symbol.ts';

/**
 * Binance USD-M futures JSON shapes, as the exchange sends them and ccxt's binanceusdm parses them:
 * REST orders (newOrderRespType=RESULT), positionRisk v2/v3, account v2/v3, exchangeInfo, leverage brackets,
 * and the user data stream's ORDER_TRADE_UPDATE and ACCOUNT_UPDATE events. Numbers are decimal strings
 * with the market's precision; times are wall-clock milliseconds.
 */
export const money = (x: number): string => (Object.is(x, -0) || Math.abs(x) < 5e-9 ? 0 : x).toFixed(8);

const upperSide = (side: Side): 'BUY' | 'SELL' => (side === 'buy' ? 'BUY' : 'SELL');

export class BinanceJson {
  constructor(
    private readonly units: MarketUnits,
    private readonly symbol: VenueSymbol,
    private readonly account: Account,
  ) {}

  price(ticks: number): string {
    return Number.isFinite(ticks) ? this.units.formatPrice(ticks) : '0';
  }

  qty(lots: number): string {
    return this.units.formatSize(lots);
  }

  /** Book levels ([ticks, lots], as LocalVenue.depth gives them) as Binance prints them: [price, qty]. */
  levels(levels: [number, number][]): [string, string][] {
    return levels.map(([price, qty]) => [this.price(price), this.qty(qty)]);
  }

  /** Average fill price of an order (Binance prints "0" before the first fill). */
  avgPrice(order: OrderRecord): string {
    if (order.executedQty === 0) return '0';
    const avg = (order.cumQuote / order.executedQty) * this.units.spec.tickSize;
    return avg.toFixed(Math.max(this.units.priceDecimals, 5));
  }

  order(order: OrderRecord) {
    return {
      orderId: order.orderId,
      symbol: this.symbol.id,
      status: order.status,
      clientOrderId: order.clientOrderId,
      price: this.price(order.price),
      avgPrice: this.avgPrice(order),
      origQty: this.qty(order.origQty),
      executedQty: this.qty(order.executedQty),
      cumQty: this.qty(order.executedQty),
      cumQuote: money(this.account.tickLots(order.cumQuote)),
      timeInForce: order.timeInForce,
      type: order.type,
      reduceOnly: order.reduceOnly,
      closePosition: false,
      side: upperSide(order.side),
      positionSide: 'BOTH',
      stopPrice: '0',
      workingType: 'CONTRACT_PRICE',
      priceProtect: false,
      origType: order.type,
      priceMatch: 'NONE',
      selfTradePreventionMode: 'EXPIRE_MAKER',
      goodTillDate: 0,
      time: order.time,
      updateTime: order.updateTime,
    };
  }

  /** One ORDER_TRADE_UPDATE; `fill` for execution type TRADE. */
  orderTradeUpdate(
    order: OrderRecord,
    executionType: 'NEW' | 'CANCELED' | 'EXPIRED' | 'TRADE' | 'AMENDMENT',
    wallMs: number,
    fill?: FillRecord,
  ): Record<string, unknown> {
    const o: Record<string, unknown> = {
      s: this.symbol.id,
      c: order.clientOrderId,
      S: upperSide(order.side),
      o: order.type,
      f: order.timeInForce,
      q: this.qty(order.origQty),
      p: this.price(order.price),
      ap: this.avgPrice(order),
      sp: '0',
      x: executionType,
      X: order.status,
      i: order.orderId,
      l: fill ? this.qty(fill.qty) : '0',
      z: this.qty(order.executedQty),
      L: fill ? this.price(fill.price) : '0',
      n: fill ? money(this.units.money(fill.fee)) : '0',
      N: this.symbol.quote,
      T: wallMs,
      t: fill ? fill.tradeId : 0,
      b: '0',
      a: '0',
      m: fill ? fill.liquidity === 'maker' : false,
      R: order.reduceOnly,
      wt: 'CONTRACT_PRICE',
      ot: order.type,
      ps: 'BOTH',
      cp: false,
      rp: fill ? money(fill.realizedPnl) : '0',
      pP: false,
      si: 0,
      ss: 0,
      V: 'EXPIRE_MAKER',
      pm: 'NONE',
      gtd: 0,
    };
    let bids = 0;
    let asks = 0;
    for (const open of this.account.openOrders()) {
      const notional = this.account.tickLots(open.price * (open.origQty - open.executedQty));
      if (open.side === 'buy') bids += notional;
      else asks += notional;
    }
    o.b = money(bids);
    o.a = money(asks);
    return { e: 'ORDER_TRADE_UPDATE', E: wallMs, T: wallMs, o };
  }

  accountUpdate(balances: Balances, wallMs: number, reason = 'ORDER'): Record<string, unknown> {
    const { ledger } = this.account;
    return {
      e: 'ACCOUNT_UPDATE',
      E: wallMs,
      T: wallMs,
      a: {
        m: reason,
        B: [{ a: this.symbol.quote, wb: money(balances.walletBalance), cw: money(balances.walletBalance), bc: '0' }],
        P: [
          {
            s: this.symbol.id,
            pa: this.qty(ledger.position),
            ep: ledger.position === 0 ? '0' : balances.entryPrice.toFixed(Math.max(this.units.priceDecimals, 8)),
            bep: ledger.position === 0 ? '0' : balances.entryPrice.toFixed(Math.max(this.units.priceDecimals, 8)),
            cr: money(this.realizedTotal()),
            up: money(balances.unrealizedProfit),
            mt: 'cross',
            iw: '0',
            ps: 'BOTH',
          },
        ],
      },
    };
  }

  /** One row of GET /fapi/v3/positionRisk (v2 adds leverage, marginType and a few more). */
  positionRisk(balances: Balances, version: 2 | 3, wallMs: number): Record<string, unknown> {
    const { ledger } = this.account;
    const entry = ledger.position === 0 ? '0.0' : balances.entryPrice.toFixed(Math.max(this.units.priceDecimals, 8));
    const common = {
      symbol: this.symbol.id,
      positionSide: 'BOTH',
      positionAmt: this.qty(ledger.position),
      entryPrice: entry,
      breakEvenPrice: entry,
      markPrice: balances.markPrice.toFixed(8),
      unRealizedProfit: money(balances.unrealizedProfit),
      liquidationPrice: '0',
      isolatedMargin: '0.00000000',
      notional: money(balances.notional),
      isolatedWallet: '0',
      updateTime: ledger.position === 0 ? 0 : this.account.updateTime,
    };
    if (version === 2) {
      return {
        ...common,
        leverage: String(this.account.leverage),
        marginType: 'cross',
        isAutoAddMargin: 'false',
        maxNotionalValue: '1000000000',
      };
    }
    return {
      ...common,
      marginAsset: this.symbol.quote,
      initialMargin: money(balances.initialMargin + balances.openOrderInitialMargin),
      maintMargin: money(Math.abs(balances.notional) * MAINT_MARGIN_RATIO),
      positionInitialMargin: money(balances.initialMargin),
      openOrderInitialMargin: money(balances.openOrderInitialMargin),
      adl: 0,
      bidNotional: '0',
      askNotional: '0',
      updateTime: common.updateTime || wallMs,
    };
  }

  accountInfo(balances: Balances, version: 2 | 3, wallMs: number): Record<string, unknown> {
    const maint = Math.abs(balances.notional) * MAINT_MARGIN_RATIO;
    const totals = {
      totalInitialMargin: money(balances.initialMargin + balances.openOrderInitialMargin),
      totalMaintMargin: money(maint),
      totalWalletBalance: money(balances.walletBalance),
      totalUnrealizedProfit: money(balances.unrealizedProfit),
      totalMarginBalance: money(balances.marginBalance),
      totalPositionInitialMargin: money(balances.initialMargin),
      totalOpenOrderInitialMargin: money(balances.openOrderInitialMargin),
      totalCrossWalletBalance: money(balances.walletBalance),
      totalCrossUnPnl: money(balances.unrealizedProfit),
      availableBalance: money(balances.availableBalance),
      maxWithdrawAmount: money(Math.max(0, balances.availableBalance)),
    };
    const asset = {
      asset: this.symbol.quote,
      walletBalance: money(balances.walletBalance),
      unrealizedProfit: money(balances.unrealizedProfit),
      marginBalance: money(balances.marginBalance),
      maintMargin: money(maint),
      initialMargin: money(balances.initialMargin + balances.openOrderInitialMargin),
      positionInitialMargin: money(balances.initialMargin),
      openOrderInitialMargin: money(balances.openOrderInitialMargin),
      crossWalletBalance: money(balances.walletBalance),
      crossUnPnl: money(balances.unrealizedProfit),
      availableBalance: money(balances.availableBalance),
      maxWithdrawAmount: money(Math.max(0, balances.availableBalance)),
      marginAvailable: true,
      updateTime: this.account.updateTime,
    };
    const position = {
      symbol: this.symbol.id,
      positionSide: 'BOTH',
      positionAmt: this.qty(this.account.ledger.position),
      unrealizedProfit: money(balances.unrealizedProfit),
      isolatedMargin: '0',
      notional: money(balances.notional),
      isolatedWallet: '0',
      initialMargin: money(balances.initialMargin),
      maintMargin: money(maint),
      updateTime: this.account.updateTime,
    };
    if (version === 3) return { ...totals, assets: [asset], positions: this.account.ledger.position === 0 ? [] : [position] };
    return {
      feeTier: 0,
      feeBurn: false,
      canTrade: true,
      canDeposit: true,
      canWithdraw: true,
      updateTime: 0,
      multiAssetsMargin: false,
      tradeGroupId: -1,
      ...totals,
      assets: [asset],
      positions: [
        {
          ...position,
          leverage: String(this.account.leverage),
          entryPrice: balances.entryPrice.toFixed(8),
          breakEvenPrice: balances.entryPrice.toFixed(8),
          maxNotional: '1000000000',
          bidNotional: '0',
          askNotional: '0',
          positionInitialMargin: money(balances.initialMargin),
          openOrderInitialMargin: money(balances.openOrderInitialMargin),
          isolated: false,
        },
      ],
      serverTime: wallMs,
    };
  }

  userTrade(fill: FillRecord): Record<string, unknown> {
    return {
      buyer: fill.side === 'buy',
      commission: money(this.units.money(fill.fee)),
      commissionAsset: this.symbol.quote,
      id: fill.tradeId,
      maker: fill.liquidity === 'maker',
      orderId: fill.orderId,
      price: this.price(fill.price),
      qty: this.qty(fill.qty),
      quoteQty: money(this.account.tickLots(fill.price * fill.qty)),
      realizedPnl: money(fill.realizedPnl),
      side: upperSide(fill.side),
      positionSide: 'BOTH',
      symbol: this.symbol.id,
      time: fill.time,
    };
  }

  private realizedTotal(): number {
    let total = 0;
    for (const fill of this.account.fills) total += fill.realizedPnl;
    return total;
  }
}

/** Maintenance margin rate of the single leverage bracket served. */
export const MAINT_MARGIN_RATIO = 0.004;

/** The symbol filters served by exchangeInfo, and enforced on orders (rest.ts) with Binance's error codes. */
export const FILTERS = {
  /** PRICE_FILTER maxPrice (minPrice is one tick). */
  maxPrice: 100_000_000,
  /** LOT_SIZE and MARKET_LOT_SIZE maxQty, in lots (minQty is one lot). */
  maxQtyLots: 1e9,
  /** PERCENT_PRICE: a LIMIT buy at most multiplierUp × the mark (mid), a sell at least multiplierDown × it. */
  multiplierUp: 1.05,
  multiplierDown: 0.95,
} as const;

/** GET /fapi/v1/exchangeInfo for the one served symbol. */
export function exchangeInfo(units: MarketUnits, symbol: VenueSymbol, wallMs: number, onboardMs: number): Record<string, unknown> {
  const tick = units.spec.tickSize.toFixed(units.priceDecimals);
  const step = units.spec.lotSize.toFixed(units.sizeDecimals);
  const maxQty = (units.spec.lotSize * FILTERS.maxQtyLots).toFixed(units.sizeDecimals);
  return {
    timezone: 'UTC',
    serverTime: wallMs,
    futuresType: 'U_MARGINED',
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 },
      { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300 },
    ],
    exchangeFilters: [],
    assets: [{ asset: symbol.quote, marginAvailable: true, autoAssetExchange: '-10000' }],
    symbols: [
      {
        symbol: symbol.id,
        pair: symbol.id,
        contractType: 'PERPETUAL',
        deliveryDate: 4133404800000,
        onboardDate: onboardMs,
        status: 'TRADING',
        maintMarginPercent: '2.5000',
        requiredMarginPercent: '5.0000',
        baseAsset: symbol.base,
        quoteAsset: symbol.quote,
        marginAsset: symbol.quote,
        pricePrecision: units.priceDecimals,
        quantityPrecision: units.sizeDecimals,
        baseAssetPrecision: 8,
        quotePrecision: 8,
        underlyingType: 'COIN',
        underlyingSubType: [],
        settlePlan: 0,
        triggerProtect: '0.0500',
        liquidationFee: '0.012500',
        marketTakeBound: '0.05',
        maxMoveOrderLimit: 10000,
        filters: [
          { filterType: 'PRICE_FILTER', minPrice: tick, maxPrice: String(FILTERS.maxPrice), tickSize: tick },
          { filterType: 'LOT_SIZE', minQty: step, maxQty, stepSize: step },
          { filterType: 'MARKET_LOT_SIZE', minQty: step, maxQty, stepSize: step },
          { filterType: 'MAX_NUM_ORDERS', limit: 200 },
          { filterType: 'MAX_NUM_ALGO_ORDERS', limit: 10 },
          {
            filterType: 'PERCENT_PRICE',
            multiplierUp: FILTERS.multiplierUp.toFixed(4),
            multiplierDown: FILTERS.multiplierDown.toFixed(4),
            multiplierDecimal: '4',
          },
        ],
        orderTypes: ['LIMIT', 'MARKET'],
        timeInForce: ['GTC', 'IOC', 'FOK', 'GTX'],
      },
    ],
  };
}

export function leverageBrackets(symbol: VenueSymbol, leverage: number): Record<string, unknown>[] {
  return [
    {
      symbol: symbol.id,
      notionalCoef: 1.0,
      brackets: [
        {
          bracket: 1,
          initialLeverage: leverage,
          notionalCap: 1_000_000_000,
          notionalFloor: 0,
          maintMarginRatio: MAINT_MARGIN_RATIO,
          cum: 0.0,
        },
      ],
    },
  ];
}
