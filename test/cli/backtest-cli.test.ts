import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, spreadlab } from '../spawn-cli.ts';

const DEMO = join(ROOT, 'scenarios/demo.json');
/** The fill columns the run folder has always had; later columns (markouts, …) may follow them. */
const FILL_COLUMNS = ['exch_ts_us', 'time', 'order_id', 'side', 'price', 'size', 'liquidity', 'fee', 'position_after'];

const tmp = mkdtempSync(join(tmpdir(), 'spreadlab-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of the demo scenario with `mutate` applied, written to the temp folder. */
function scenarioFile(name: string, mutate: (raw: Record<string, any>) => void): string {
  const raw = JSON.parse(readFileSync(DEMO, 'utf8'));
  mutate(raw);
  const file = join(tmp, name);
  writeFileSync(file, JSON.stringify(raw, null, 2));
  return file;
}

/** A user error: exit 2, one `spreadlab: ` message, no stack trace. */
function expectUserError(run: ReturnType<typeof spreadlab>): void {
  expect(run.status).toBe(2);
  expect(run.stderr.startsWith('spreadlab: ')).toBe(true);
  expect(run.stderr).not.toMatch(/^\s{4}at /m);
  expect(run.stderr).not.toContain('internal error');
}

const numeric = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

describe('spreadlab backtest (real CLI)', () => {
  const out = join(tmp, 'run');
  let run: ReturnType<typeof spreadlab>;

  beforeAll(() => {
    run = spreadlab('backtest', 'scenarios/demo.json', '--set', 'durationSeconds=120', '--out', out);
  });

  it('exits 0 and prints a summary naming the run folder', () => {
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('demo (seed 1)');
    expect(run.stdout).toContain(`wrote ${out}/`);
  });

  it('writes summary.json, fills.csv and run.json, and no leftover staging folder', () => {
    const files = readdirSync(out);
    for (const file of ['summary.json', 'fills.csv', 'run.json']) expect(files).toContain(file);
    expect(readdirSync(tmp).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('summary.json has the headline figures, numeric and consistent', () => {
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    for (const value of [
      s.pnl.total,
      s.pnl.fees,
      s.pnl.rebates,
      s.fills.count,
      s.fills.buys,
      s.fills.sells,
      s.inventory.final,
      s.inventory.max,
      s.events,
    ]) {
      expect(numeric(value)).toBe(true);
    }
    expect(s.scenario).toBe('demo');
    expect(s.seed).toBe(1);
    expect(s.period).toEqual({ start: '2024-01-01T07:30:00.000000Z', end: '2024-01-01T07:32:00.000000Z', seconds: 120 });
    expect(s.events).toBeGreaterThan(0);
    expect(s.fills.count).toBeGreaterThan(0); // two minutes of the demo market do trade
    expect(s.fills.buys + s.fills.sells).toBe(s.fills.count);
    expect(Math.abs(s.inventory.final)).toBeLessThanOrEqual(s.inventory.max);
    // the demo strategy caps |inventory| at maxInventory 0.1
    expect(s.inventory.max).toBeLessThanOrEqual(0.1);
    // post-only quotes never take liquidity, so no fee is paid (fees are ≤ 0); every fill earns the maker rebate
    expect(s.pnl.fees).toBe(0);
    expect(s.pnl.rebates).toBeGreaterThan(0);
  });

  it('fills.csv has the header and one row per fill, consistent with the summary', () => {
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const text = readFileSync(join(out, 'fills.csv'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const [headerLine, ...rows] = text.trimEnd().split('\n');
    const header = headerLine.split(',');
    expect(header.slice(0, FILL_COLUMNS.length)).toEqual(FILL_COLUMNS);
    expect(new Set(header).size).toBe(header.length); // no duplicate column names
    expect(rows).toHaveLength(s.fills.count);
    const fields = rows.map((r) => r.split(','));
    for (const f of fields) expect(f).toHaveLength(header.length);
    const col = (name: string) => header.indexOf(name);
    expect(fields.filter((f) => f[col('side')] === 'buy')).toHaveLength(s.fills.buys);
    expect(fields.filter((f) => f[col('side')] === 'sell')).toHaveLength(s.fills.sells);
    // rows are in time order and the last position_after is the final inventory
    const ts = fields.map((f) => Number(f[col('exch_ts_us')]));
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    expect(Number(fields[fields.length - 1][col('position_after')])).toBe(s.inventory.final);
    // prices are whole ticks of 0.01 printed with 2 decimals; sizes whole lots of 0.001 with 3
    for (const f of fields) {
      expect(f[col('price')]).toMatch(/^\d+\.\d{2}$/);
      expect(f[col('size')]).toMatch(/^\d+\.\d{3}$/);
      expect(['maker', 'taker']).toContain(f[col('liquidity')]);
    }
    // maker volume in the summary is the sum of the maker fills' sizes (in lots of 0.001 to stay exact)
    const makerLots = fields
      .filter((f) => f[col('liquidity')] === 'maker')
      .reduce((sum, f) => sum + Math.round(Number(f[col('size')]) * 1000), 0);
    expect(makerLots).toBe(Math.round(s.fills.makerVolume * 1000));
  });

  it('run.json records the scenario, the seed, the overrides and the package version', () => {
    const record = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(record.spreadlab).toBe(pkg.version);
    expect(record.seed).toBe(1);
    expect(record.scenario.name).toBe('demo');
    expect(record.scenario.durationSeconds).toBe(120);
    expect(record.scenario.strategy.name).toBe('inventory-skew');
    expect(record.overrides).toEqual(['durationSeconds=120']);
    expect(record.scenarioSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('--seed overrides the scenario seed and is recorded', () => {
    const seeded = join(tmp, 'seeded');
    const r = spreadlab('backtest', 'scenarios/demo.json', '--set', 'durationSeconds=10', '--seed', '7', '--quiet', '--out', seeded);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(''); // --quiet
    const record = JSON.parse(readFileSync(join(seeded, 'run.json'), 'utf8'));
    expect(record.seed).toBe(7);
    expect(record.overrides).toEqual(['durationSeconds=10', 'seed=7']);
  });
});

describe('spreadlab backtest: user errors', () => {
  it('an unknown key: exit 2, the file and JSON path named, no stack trace, no run folder', () => {
    const file = scenarioFile('unknown-key.json', (raw) => {
      raw.strategy.foo = 1;
    });
    const out = join(tmp, 'unknown-key-run');
    const r = spreadlab('backtest', file, '--out', out);
    expectUserError(r);
    expect(r.stderr).toContain(`${file}: strategy: unknown key(s) "foo"`);
    expect(existsSync(out)).toBe(false);
  });

  it('a wrong type: exit 2, the JSON path and expected type named, no stack trace', () => {
    const file = scenarioFile('wrong-type.json', (raw) => {
      raw.market.tickSize = 'cent';
    });
    const r = spreadlab('backtest', file, '--out', join(tmp, 'wrong-type-run'));
    expectUserError(r);
    expect(r.stderr).toContain(`${file}: market.tickSize: expected number, got string`);
  });

  it('a wrong type from --set: exit 2 and the path named', () => {
    const r = spreadlab('backtest', 'scenarios/demo.json', '--set', 'durationSeconds=long', '--out', join(tmp, 'set-run'));
    expectUserError(r);
    expect(r.stderr).toContain('durationSeconds: expected number, got string');
  });

  it('a malformed --set: exit 2', () => {
    const r = spreadlab('backtest', 'scenarios/demo.json', '--set', 'novalue', '--out', join(tmp, 'malformed-run'));
    expectUserError(r);
    expect(r.stderr).toContain('--set novalue: expected path=value');
  });

  it('a missing scenario file: exit 2, the file named', () => {
    const r = spreadlab('backtest', 'scenarios/does-not-exist.json');
    expectUserError(r);
    expect(r.stderr).toContain('scenarios/does-not-exist.json: cannot read scenario: no such file or folder (ENOENT)');
  });

  it('a file that is not JSON: exit 2, the file named', () => {
    const file = join(tmp, 'broken.json');
    writeFileSync(file, '{ "name": ');
    const r = spreadlab('backtest', file);
    expectUserError(r);
    expect(r.stderr).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: not valid JSON`));
  });

  it('an unknown flag or a missing command: exit 2', () => {
    expectUserError(spreadlab('backtest', 'scenarios/demo.json', '--no-such-flag'));
    expectUserError(spreadlab());
  });
});

describe('spreadlab --help', () => {
  it('exits 0 and lists the backtest command', () => {
    const r = spreadlab('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('backtest');
    expect(r.stdout).toContain('spreadlab');
  });

  it('backtest --help exits 0 and lists its options', () => {
    const r = spreadlab('backtest', '--help');
    expect(r.status).toBe(0);
    for (const option of ['--out', '--set', '--seed', '--quiet']) expect(r.stdout).toContain(option);
  });

  it("a running command builds no help text (scripts/bundle.mjs drops yargs' cache of it: spreadlab prints no help on failure)", () => {
    const call = '.getUsageInstance().cacheHelpMessage()';
    expect(readFileSync(join(ROOT, 'node_modules/yargs/build/lib/command.js'), 'utf8')).toContain(call);
    expect(readFileSync(join(ROOT, 'dist/cli/main.js'), 'utf8')).not.toContain(call);
    // a failing command still reports only its own error
    const r = spreadlab('backtest', join(tmp, 'missing.json'), '--out', join(tmp, 'missing-run'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^spreadlab: .*missing\.json.*\n$/);
  });
});
