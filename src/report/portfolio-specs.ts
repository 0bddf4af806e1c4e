import type { LoadedPortfolio, LoadedRun } from './load-run.ts';
import type { PortfolioRow } from './portfolio-files.ts';
import { COLORS, downsample, HALF, inventorySpec, markoutSpec, MAX_POINTS, quotesSpec, WIDE, type ChartSpec, type Spec } from './specs.ts';

/**
 * The charts of a run over several markets (portfolio-page.ts), from its run folder (load-run.ts): the
 * portfolio's PnL by part (quoting, hedge cost, residual delta, basis, funding), each market's PnL, net delta
 * over time, funding payments, and per market the one-market charts (mid with our quotes and fills,
 * inventory, markouts: specs.ts) titled with the market's id. Same rules as specs.ts: UTC times, series
 * downsampled for display only, no $schema URL.
 */
const TIME_X = { field: 't', type: 'temporal', title: 'time (UTC)', scale: { type: 'utc' }, axis: { format: '%H:%M:%S' } };
const UTC_LABEL = { calculate: "utcFormat(datum.t, '%Y-%m-%d %H:%M:%S')", as: 'time' };
const ms = (us: number): number => Math.round(us / 1000);
const r = (x: number | null, digits = 8): number | null => (x === null || !Number.isFinite(x) ? null : Number(x.toFixed(digits)));

/** A colour per market, in scenario order. */
const MARKET_COLORS = ['#3b6fb6', '#c98a1b', '#2a9d55', '#9c5fb5', '#d6403a', '#444444'];

const ATTRIBUTION: { field: keyof PortfolioRow; label: string; color: string }[] = [
  { field: 'pnlTotal', label: 'total', color: COLORS.total },
  { field: 'quoting', label: 'quoting', color: COLORS.spreadCapture },
  { field: 'hedgeCost', label: 'hedge cost', color: COLORS.fees },
  { field: 'residualDelta', label: 'residual delta', color: COLORS.inventory },
  { field: 'basis', label: 'basis', color: COLORS.rebates },
  { field: 'funding', label: 'funding', color: COLORS.funding },
];

/** Lines of wide rows (one column per label, `t` the time) folded into one chart, with a zero rule. */
function foldedLines(values: Spec[], labels: string[], colors: string[], y: string): Spec[] {
  return [
    {
      data: { values },
      transform: [UTC_LABEL, { fold: labels, as: ['part', 'value'] }],
      mark: { type: 'line', interpolate: 'step-after' },
      encoding: {
        x: TIME_X,
        y: { field: 'value', type: 'quantitative', title: y },
        color: { field: 'part', type: 'nominal', title: null, scale: { domain: labels, range: colors }, sort: labels },
        strokeWidth: { condition: { test: `datum.part === '${labels[0]}'`, value: 2.6 }, value: 1.4 },
        tooltip: [
          { field: 'time', title: 'time (UTC)' },
          { field: 'part', title: 'series' },
          { field: 'value', type: 'quantitative', format: ',.6~f' },
        ],
      },
    },
    { data: { values: [{}] }, mark: { type: 'rule', color: '#bbb' }, encoding: { y: { datum: 0 } } },
  ];
}

/** The portfolio's cumulative PnL split by role (analytics/portfolio.ts: the parts sum to the total). */
export function attributionSpec(portfolio: LoadedPortfolio): Spec {
  const rows = downsample(portfolio.series, MAX_POINTS, (s) => s.pnlTotal);
  const values = rows.map((s) => Object.fromEntries([['t', ms(s.ts)], ...ATTRIBUTION.map((p) => [p.label, r(s[p.field] as number)])]));
  return {
    title: {
      text: 'Portfolio PnL: quoting, hedge cost, residual delta, basis, funding',
      subtitle: [
        'total = quoting (spread capture + fees on the quoted market) + hedge cost (the same on the hedge markets)',
        '+ residual delta (the unhedged delta × the quoted mid) + basis (the hedge legs against the quoted mid) + funding',
      ],
    },
    width: WIDE,
    height: 260,
    layer: foldedLines(
      values,
      ATTRIBUTION.map((p) => p.label),
      ATTRIBUTION.map((p) => p.color),
      'PnL (quote currency)',
    ),
  };
}

/** Each market's cumulative PnL (its own decomposition's total) and the portfolio's. */
export function pnlByMarketSpec(portfolio: LoadedPortfolio): Spec {
  const ids = portfolio.markets.map((m) => m.id);
  const rows = downsample(
    portfolio.series.map((s, i) => ({ s, i })),
    MAX_POINTS,
    ({ s }) => s.pnlTotal,
  );
  const values = rows.map(({ s, i }) =>
    Object.fromEntries([
      ['t', ms(s.ts)],
      ['portfolio', r(s.pnlTotal)],
      ...portfolio.markets.map((m) => [m.id, r(m.run.timeseries[i]?.pnlTotal ?? null)]),
    ]),
  );
  const labels = ['portfolio', ...ids];
  return {
    title: {
      text: 'PnL by market',
      subtitle: "each market's cumulative PnL (its spread capture, inventory, fees, rebates, funding) and their sum",
    },
    width: WIDE,
    height: 240,
    layer: foldedLines(
      values,
      labels,
      [COLORS.total, ...ids.map((_, i) => MARKET_COLORS[i % MARKET_COLORS.length])],
      'PnL (quote currency)',
    ),
  };
}

/** The strategy's hedge threshold from run.json, when it has one. */
function hedgeThresholdOf(run: LoadedRun): number | null {
  const v = run.record.scenario.strategy?.hedgeThreshold;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Net delta over time (base units), with the strategy's hedge threshold when it has one. */
export function netDeltaSpec(run: LoadedRun, portfolio: LoadedPortfolio): Spec {
  const rows = downsample(portfolio.series, MAX_POINTS, (s) => s.netDelta);
  const values = rows.map((s) => ({ t: ms(s.ts), delta: r(s.netDelta, 12) }));
  const threshold = hedgeThresholdOf(run);
  const layers: Spec[] = [
    {
      data: { values },
      transform: [UTC_LABEL],
      mark: { type: 'area', interpolate: 'step-after', color: COLORS.inventory, opacity: 0.18 },
      encoding: { x: TIME_X, y: { field: 'delta', type: 'quantitative', title: 'net delta (base units)' } },
    },
    {
      data: { values },
      transform: [UTC_LABEL],
      mark: { type: 'line', interpolate: 'step-after', color: COLORS.inventory, strokeWidth: 1.6 },
      encoding: {
        x: TIME_X,
        y: { field: 'delta', type: 'quantitative' },
        tooltip: [
          { field: 'time', title: 'time (UTC)' },
          { field: 'delta', type: 'quantitative', title: 'net delta', format: ',~f' },
        ],
      },
    },
    { data: { values: [{}] }, mark: { type: 'rule', color: '#bbb' }, encoding: { y: { datum: 0 } } },
  ];
  if (threshold !== null) {
    layers.push({
      data: { values: [{ y: threshold }, { y: -threshold }] },
      mark: { type: 'rule', color: COLORS.sell, strokeDash: [6, 4], strokeWidth: 1.4 },
      encoding: { y: { field: 'y', type: 'quantitative' } },
    });
  }
  return {
    title: {
      text: 'Net delta',
      subtitle: `Σ position × contract size over the markets, base units${threshold === null ? '' : ` · dashed: the hedge threshold ±${threshold}`}`,
    },
    width: WIDE,
    height: 180,
    layer: layers,
  };
}

/** Funding payments (funding.csv): one bar per payment, by market. */
export function fundingSpec(run: LoadedRun): Spec {
  const values = run.funding.map((f) => ({
    t: ms(f.ts),
    market: f.market,
    payment: f.payment,
    rate: f.rate,
    mark: f.markPrice,
    position: f.position,
  }));
  return {
    title: { text: 'Funding payments', subtitle: 'credited to the account (negative: paid); longs pay when the rate is positive' },
    width: HALF,
    height: 220,
    data: { values },
    transform: [UTC_LABEL],
    layer: [
      { mark: { type: 'rule', color: '#bbb' }, encoding: { y: { datum: 0 } } },
      {
        mark: { type: 'bar', width: 8 },
        encoding: {
          x: TIME_X,
          y: { field: 'payment', type: 'quantitative', title: 'payment (quote currency)' },
          color: { field: 'market', type: 'nominal', title: null },
          tooltip: [
            { field: 'time', title: 'time (UTC)' },
            { field: 'market' },
            { field: 'rate', type: 'quantitative', format: '.6~f' },
            { field: 'mark', type: 'quantitative', title: 'mark price', format: ',~f' },
            { field: 'position', type: 'quantitative', format: ',~f' },
            { field: 'payment', type: 'quantitative', format: ',.8~f' },
          ],
        },
      },
    ],
  };
}

/** A one-market chart titled with its market. */
function titled(spec: Spec, id: string): Spec {
  const title = spec.title as Spec;
  return { ...spec, title: { ...title, text: `${id} · ${String(title.text)}` } };
}

/** The charts of a run over several markets, in page order. */
export function portfolioCharts(run: LoadedRun, portfolio: LoadedPortfolio): ChartSpec[] {
  const charts: ChartSpec[] = [
    { id: 'attribution', spec: attributionSpec(portfolio), wide: true },
    { id: 'pnl-by-market', spec: pnlByMarketSpec(portfolio), wide: true },
    { id: 'net-delta', spec: netDeltaSpec(run, portfolio), wide: true },
  ];
  if (run.funding.length > 0) charts.push({ id: 'funding', spec: fundingSpec(run), wide: false });
  for (const [i, { id, run: market }] of portfolio.markets.entries()) {
    charts.push({ id: `quotes-${i}`, spec: titled(withoutEmptyLayers(quotesSpec(market), market), id), wide: true });
    charts.push({
      id: `inventory-${i}`,
      spec: titled(inventorySpec(i === 0 ? market : { ...market, record: noLimit(market) }), id),
      wide: true,
    });
    if (market.fills.length > 0) charts.push({ id: `markouts-${i}`, spec: titled(markoutSpec(market), id), wide: false });
  }
  return charts;
}

/**
 * The mid/quotes/fills chart without the layers a market has nothing for (a hedge market we never quoted,
 * or never filled on): an empty layer has no extent to draw.
 */
function withoutEmptyLayers(spec: Spec, run: LoadedRun): Spec {
  const empty = (layer: Spec): boolean => {
    const y = ((layer.encoding as Spec | undefined)?.y as Spec | undefined)?.field;
    if (y === 'bid') return run.timeseries.every((s) => s.bid === null);
    if (y === 'ask') return run.timeseries.every((s) => s.ask === null);
    if (y === 'price') return run.fills.length === 0;
    return false;
  };
  return { ...spec, layer: (spec.layer as Spec[]).filter((layer) => !empty(layer)) };
}

/** run.json without the strategy's maxInventory (it limits the quoted market only). */
function noLimit(run: LoadedRun): LoadedRun['record'] {
  const { maxInventory: _limit, ...strategy } = run.record.scenario.strategy ?? {};
  return { ...run.record, scenario: { ...run.record.scenario, strategy } };
}
