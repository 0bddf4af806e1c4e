import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { analyzePortfolio } from '../../src/analytics/portfolio.ts';
import { runScenario } from '../../src/sim/run-scenario.ts';
import { loadScenario } from '../../src/sim/scenario.ts';
import { flatten } from '../../src/sweep/flatten.ts';
import { ROOT, spreadlab, spreadlabOk as cli } from '../spawn-cli.ts';

/**
 * Sweeps over several markets: a grid over one market's parameter (named by id), rows holding the chosen
 * market's figures under the one-market names and the portfolio's under `portfolio.`, each row equal to a
 * backtest of its configuration; tune judging the chosen market.
 */
const DEMO = 'scenarios/spot-perp-demo.json';
const SHORT = ['--set', 'durationSeconds=300'];
const tmp = (): string => mkdtempSync(join(tmpdir(), 'spreadlab-multi-sweep-'));
const rowsOf = (dir: string): Record<string, string>[] => parse(readFileSync(join(dir, 'results.csv'), 'utf8'), { columns: true });

describe('sweep over a market of a several-market scenario', () => {
  const out = tmp();
  cli(['sweep', DEMO, ...SHORT, '--grid', 'markets.perp.takerFeeBps=2,8', '--workers', '2', '--out', out, '--market', 'spot']);
  const rows = rowsOf(out);

  it("each row equals the backtest of its configuration: the market's figures, then the portfolio's", async () => {
    expect(rows.map((r) => r['markets.perp.takerFeeBps'])).toEqual(['2', '8']);
    for (const row of rows) {
      const scenario = await loadScenario(join(ROOT, DEMO), [
        'durationSeconds=300',
        `markets.perp.takerFeeBps=${row['markets.perp.takerFeeBps']}`,
      ]);
      const { summary } = analyzePortfolio(await runScenario(scenario, join(ROOT, 'scenarios')));
      const { breakdown: _b, ...spot } = summary.markets.spot;
      for (const [key, value] of flatten(spot)) expect(row[key], key).toBe(value === null ? 'NA' : String(value));
      expect(Number(row['portfolio.pnl.total'])).toBe(summary.pnl.total);
      expect(Number(row['portfolio.attribution.hedgeCost'])).toBe(summary.attribution.hedgeCost);
      expect(Number(row['portfolio.pnlByMarket.perp'])).toBe(summary.pnlByMarket.perp);
      expect(Number(row['portfolio.hedge.fills'])).toBe(summary.hedge.fills);
    }
    // The perpetual's taker fee moves the hedge's cost, not the quoted market's own figures.
    expect(Number(rows[1]['portfolio.hedge.fills'])).toBeGreaterThan(0);
    expect(Number(rows[1]['portfolio.attribution.hedgeCost'])).toBeLessThan(Number(rows[0]['portfolio.attribution.hedgeCost']));
    expect(rows[1]['pnl.total']).toBe(rows[0]['pnl.total']);
    expect(rows[1]['portfolio.pnl.total']).not.toBe(rows[0]['portfolio.pnl.total']);
  });

  it('--market perp puts the perpetual’s figures under the one-market names', () => {
    const perp = tmp();
    cli(['sweep', DEMO, ...SHORT, '--grid', 'markets.1.takerFeeBps=8', '--workers', '1', '--out', perp, '--market', 'perp']);
    const [row] = rowsOf(perp);
    expect(row['fills.count']).toBe(rows[1]['portfolio.hedge.fills']);
    expect(row['fills.makerVolume']).toBe('0'); // the hedge takes (IOC at the touch)
    expect(row['portfolio.pnl.total']).toBe(rows[1]['portfolio.pnl.total']);
    expect(row['pnl.total']).toBe(rows[1]['portfolio.pnlByMarket.perp']);
  });

  it('refuses a --market that is not one of the scenario’s', () => {
    const r = spreadlab('sweep', DEMO, ...SHORT, '--grid', 'strategy.spreadBps=10', '--out', tmp(), '--market', 'eth');
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('spreadlab: --market eth: not a market of spot-perp-demo (its markets: spot, perp)');
  });

  it("tune judges the chosen market's realized spread", () => {
    const dir = tmp();
    const { stdout } = cli([
      'tune',
      DEMO,
      ...SHORT,
      '--start',
      '10',
      '--min-fills',
      '5',
      '--workers',
      '2',
      '--out',
      dir,
      '--market',
      'spot',
    ]);
    const first = /^widen\s+10 bps: net of fees ([+-][\d.]+) bps.*, (\d+) fills/m.exec(stdout)!;
    expect(first).not.toBeNull();
    const row = rowsOf(dir).find((r) => r['strategy.spreadBps'] === '10')!;
    expect(Number(first[1])).toBeCloseTo(Number(row['netRealizedSpreadStats.30s.mean']), 2);
    expect(first[2]).toBe(row['netRealizedSpreadStats.30s.count']);
    expect(row['portfolio.pnl.total']).toBeDefined();
  });
});
