import type { PortfolioSummary } from '../analytics/portfolio.ts';
import { verdict } from '../analytics/verdict.ts';

/** What `spreadlab backtest` prints for a run over several markets: the portfolio, then a few figures per market. */
export function formatPortfolioSummary(s: PortfolioSummary): string {
  const bps = (x: number | null): string => (x === null ? 'NA' : `${x.toFixed(2)} bps`);
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
export function portfolioVerdict(s: PortfolioSummary): string {
  return `${s.quotedMarket} (quoted): ${verdict(s.markets[s.quotedMarket])}`;
}
