import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExchangeServer, type ExchangeServer } from '../../src/live/server/server.ts';
import { runScenario } from '../../src/sim/run-scenario.ts';
import { loadScenario, parseScenario } from '../../src/sim/scenario.ts';
import { ROOT } from '../spawn-cli.ts';

/**
 * A paper session over two markets against the local exchange server (the "done when"): the
 * recorded spot + perpetual scenario served by two `serve` servers (one per venue, `market` spot and perp),
 * `spreadlab live --paper` as a real process with one ccxt instance per venue (`--venue-url`), quoting the
 * spot and hedging every fill on the perpetual. Nothing is sent to the servers; the run folder holds each
 * market's recording and the portfolio's files, and its scenario replays the recordings.
 */
const SCENARIO = join(ROOT, 'scenarios/btcusdt-spot-perp-hedge.json');
const API_KEY = 'k3y-SPREADLAB-paper-markets-01';
const SECRET = 's3cr3t-SPREADLAB-paper-markets-02';

describe('live --paper over two markets, each served by its own local server', () => {
  const servers: ExchangeServer[] = [];
  const tmp = mkdtempSync(join(tmpdir(), 'spreadlab-paper-markets-'));
  const out = join(tmp, 'run');
  let exitCode: number | null = null;
  let output = '';

  beforeAll(async () => {
    const scenario = await loadScenario(SCENARIO);
    for (const market of ['spot', 'perp'])
      servers.push(
        await startExchangeServer({ scenario, baseDir: join(ROOT, 'scenarios'), market, speed: 1, apiKey: API_KEY, secret: SECRET }),
      );
    const raw = JSON.parse(readFileSync(SCENARIO, 'utf8'));
    const config = join(tmp, 'spot-perp.json');
    writeFileSync(
      config,
      JSON.stringify({
        kind: 'spreadlab-live-config',
        version: 1,
        name: 'spot-perp-paper',
        // A hedge threshold below one quote's size: every spot fill is hedged on the perpetual.
        scenario: { ...raw, $schema: undefined, strategy: { ...raw.strategy, hedgeThreshold: 0.0005, requoteMs: 1000 } },
        risk: { maxPosition: 0.01, maxLoss: 100, maxOrdersPerMinute: 1000, staleDataSeconds: 10, priceBandBps: 100 },
        provenance: { source: 'test' },
      }),
    );
    const [spot, perp] = servers;
    const args = ['live', '--config', config, '--paper', '--exchange', 'binanceusdm', '--out', out, '--minutes', '0.5'];
    const urls = ['--venue-url', `binance=${spot.url}`, '--venue-url', `binance-usdm=${perp.url}`];
    const child = spawn(process.execPath, ['bin/spreadlab.js', ...args, ...urls], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    exitCode = await new Promise((resolve) => child.on('exit', resolve));
  }, 120_000);

  afterAll(async () => {
    for (const server of servers) await server.close();
  });

  it('quotes the spot and hedges on the perpetual, sending nothing to either server', () => {
    expect(exitCode, output).toBe(0);
    expect(output).toMatch(/paper run of spot-perp-paper on spot \(binanceusdm BTCUSDT\) \+ perp \(binanceusdm BTCUSDT\) started/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.quotedMarket).toBe('spot');
    expect(summary.markets.spot.fills.count).toBeGreaterThan(0);
    expect(summary.markets.perp.fills.count).toBeGreaterThan(0);
    expect(summary.hedge.fills).toBe(summary.markets.perp.fills.count);
    expect(summary.markets.perp.fills.makerVolume).toBe(0); // the hedge takes
    // Hedged down to the threshold, in the perpetual's 0.001 lots (a fill in the last moments may be left).
    expect(Math.abs(summary.netDelta.final)).toBeLessThan(0.0025);
    expect(summary.netDelta.max).toBeLessThanOrEqual(summary.markets.spot.inventory.max);
    const { spreadCapture, inventory, fees, rebates, funding, total } = summary.pnl;
    expect(spreadCapture + inventory + fees + rebates + funding).toBeCloseTo(total, 8);
    for (const server of servers) expect(server.state().orders).toHaveLength(0);
  });

  it("writes each market's recording and a scenario that replays them", async () => {
    for (const file of ['market-spot.raw.gz', 'market-perp.raw.gz', 'portfolio.csv', 'fills.csv', 'report.html', 'live.json'])
      expect(existsSync(join(out, file)), file).toBe(true);
    const record = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(record.scenario.markets.map((m: { data: { files: string[] } }) => m.data.files)).toEqual([
      ['market-spot.raw.gz'],
      ['market-perp.raw.gz'],
    ]);
    const replay = await runScenario(parseScenario(record.scenario, 'run.json'), out);
    expect(replay.markets.map((m) => m.result.marketEvents > 0)).toEqual([true, true]);
  });
});
