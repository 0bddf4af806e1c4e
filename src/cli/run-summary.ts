import type { PortfolioSummary } from '../analytics/portfolio.ts';
import type { Summary } from '../analytics/summary.ts';
import { verdict } from '../analytics/verdict.ts';

/**
 * What `spreadlab backtest` and `spreadlab live` print when a run ends: its summary table and its verdict line,
 * for one market or, when the run has a portfolio, for the portfolio and each market. Loaded when such a
 * command runs (it imports the verdict from the engine).
 */
export function runSummaryText(summary: Summary, portfolio: PortfolioSummary | undefined): { table: string; verdict: string } {
  return portfolio
    ? { table: formatPortfolioSummary(portfolio), verdict: portfolioVerdict(portfolio) }
    : { table: formatSummary(summary), verdict: verdict(summary) };
}

function bps(x: number | null): string {
  return x === null ? 'NA' : `${x.toFixed(2)} bps`;
}

/** What `spreadlab backtest` prints for a run over one market. */
function formatSummary(s: Summary): string {
  const rows: [string, string][] = [
    ['scenario', `${s.scenario} (seed ${s.seed})`],
    ['period', `${s.period.start} → ${s.period.end} (${s.period.seconds} s)`],
    ['market events', String(s.events)],
    ['PnL total', String(s.pnl.total)],
    ['  spread capture', String(s.pnl.spreadCapture)],
    ['  inventory', String(s.pnl.inventory)],
    ['  fees', String(s.pnl.fees)],
    ['  rebates', String(s.pnl.rebates)],
    ...(s.pnl.funding !== 0 ? ([['  funding', String(s.pnl.funding)]] as [string, string][]) : []),
    ['fills', `${s.fills.count} (${s.fills.buys} buys, ${s.fills.sells} sells)`],
    ['effective half-spread', bps(s.effectiveSpreadBps)],
    [`realized spread ${s.mainHorizon}`, bps(s.realizedSpreadBps[s.mainHorizon])],
    [`adverse selection ${s.mainHorizon}`, bps(s.adverseSelectionBps[s.mainHorizon])],
    ['two-sided uptime', `${(s.quotes.twoSidedUptime * 100).toFixed(1)} %`],
    ['mean quoted spread', s.quotedSpread.mean === null ? 'NA' : `${s.quotedSpread.mean.toPrecision(4)} (${bps(s.quotedSpread.meanBps)})`],
    ['maker / taker volume', `${s.fills.makerVolume} / ${s.fills.takerVolume}`],
    ['orders sent / rejected / cancelled', `${s.orders.sent} / ${s.orders.rejected} / ${s.orders.cancelled}`],
    ['inventory final / max |q|', `${s.inventory.final} / ${s.inventory.max}`],
    [
      `Sharpe (per ${s.risk.intervalSeconds} s) / max drawdown`,
      `${s.risk.sharpe === null ? 'NA' : s.risk.sharpe.toFixed(3)} / ${s.risk.maxDrawdown}`,
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}\n`).join('');
}

/** What `spreadlab backtest` prints for a run over several markets: the portfolio, then a few figures per market. */
function formatPortfolioSummary(s: PortfolioSummary): string {
  const ids = Object.keys(s.markets);
  const a = s.attribution;
  const rows: [string, string][] = [
    ['scenario', `${s.scenario} (seed ${s.seed})`],
    ['period', `${s.period.start} → ${s.period.end} (${s.period.seconds} s)`],
    ['market events', `${s.events} (${ids.map((id) => `${id} ${s.markets[id].events}`).join(', ')})`],
    ['portfolio PnL total', String(s.pnl.total)],
    ['  spread capture', String(s.pnl.spreadCapture)],
    ['  inventory', String(s.pnl.inventory)],
    ['  fees', String(s.pnl.fees)],
    ['  rebates', String(s.pnl.rebates)],
    ['  funding', String(s.pnl.funding)],
    [
      'by role',
      `quoting ${a.quoting} + hedge cost ${a.hedgeCost} + residual delta ${a.residualDelta} + basis ${a.basis} + funding ${a.funding}`,
    ],
    ['PnL by market', ids.map((id) => `${id} ${s.pnlByMarket[id]}`).join(', ')],
    ['net delta final / max / mean |Δ|', `${s.netDelta.final} / ${s.netDelta.max} / ${Number(s.netDelta.meanAbs.toPrecision(4))}`],
    ['hedge fills / volume / slippage', `${s.hedge.fills} / ${s.hedge.volume} / ${bps(s.hedge.slippageBps.mean)} vs the quoted mid`],
    [
      `Sharpe (per ${s.risk.intervalSeconds} s) / max drawdown`,
      `${s.risk.sharpe === null ? 'NA' : s.risk.sharpe.toFixed(3)} / ${s.risk.maxDrawdown}`,
    ],
  ];
  for (const id of ids) {
    const m = s.markets[id];
    const h = m.mainHorizon;
    rows.push([
      `${id}${id === s.quotedMarket ? ' (quoted)' : ''}`,
      `${m.fills.count} fills (${m.fills.buys} buys, ${m.fills.sells} sells), position ${m.inventory.final}, effective ${bps(m.effectiveSpreadBps)}, realized ${h} ${bps(m.realizedSpreadBps[h])}, adverse selection ${h} ${bps(m.adverseSelectionBps[h])}`,
    ]);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}\n`).join('');
}

/** The quoted market's verdict line, naming it. */
function portfolioVerdict(s: PortfolioSummary): string {
  return `${s.quotedMarket} (quoted): ${verdict(s.markets[s.quotedMarket])}`;
}
