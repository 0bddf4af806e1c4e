import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpreadlabError } from '../../src/core/errors.ts';
import { loadRun, type LoadedRun } from '../../src/report/load-run.ts';
import { writeRunFolder } from '../../src/report/run-folder.ts';
import {
  FILLS_COLUMNS,
  FILLS_HORIZON_COLUMNS,
  fillsHeader,
  fillsRow,
  ORDERS_COLUMNS,
  ORDERS_HEADER,
  ordersRow,
  RUN_FILE,
  TIMESERIES_COLUMNS,
  TIMESERIES_HEADER,
  timeseriesRow,
  type ColumnSpec,
  type FillsColumn,
  type FillsHorizonFigure,
  type OrdersColumn,
  type TimeseriesColumn,
} from '../../src/report/run-files.ts';
import { runScenario } from '../../src/sim/run-scenario.ts';
import { loadScenario } from '../../src/sim/scenario.ts';
import { ROOT, spreadlab } from './helpers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'spreadlab-run-files-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = join(tmp, 'run');
let loaded: LoadedRun;

beforeAll(async () => {
  const scenario = await loadScenario(join(ROOT, 'scenarios/demo.json'), ['durationSeconds=300']);
  writeRunFolder(run, await runScenario(scenario, join(ROOT, 'scenarios')), ['durationSeconds=300']);
  loaded = loadRun(run);
});

const text = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');

/** A written CSV as header + rows of raw cells (this run's files hold no quoted cells). */
function rawCsv(dir: string, file: string): { header: string[]; rows: string[][] } {
  const [header, ...rows] = text(dir, file).trimEnd().split('\n');
  return { header: header.split(','), rows: rows.map((r) => r.split(',')) };
}

/** What a raw cell of this kind should read back as. */
function expected(spec: ColumnSpec, cell: string): unknown {
  if (spec.cell === 'text' || spec.cell === 'side') return cell;
  if (spec.cell === 'boolean') return cell === 'true';
  return cell === 'NA' ? null : Number(cell);
}

/** A copy of the run folder with one file replaced by `edit(its text)`. */
function brokenCopy(name: string, file: string, edit: (text: string) => string): string {
  const dir = join(tmp, name);
  cpSync(run, dir, { recursive: true });
  writeFileSync(join(dir, file), edit(text(run, file)));
  return dir;
}

/** Drops a column (by name) from every line of a CSV. */
function dropColumn(csv: string, name: string): string {
  const lines = csv.trimEnd().split('\n');
  const at = lines[0].split(',').indexOf(name);
  expect(at).toBeGreaterThanOrEqual(0);
  return `${lines
    .map((l) =>
      l
        .split(',')
        .filter((_, i) => i !== at)
        .join(','),
    )
    .join('\n')}\n`;
}

describe('the run-files contract', () => {
  it('the writer lays each cell under its own column (fillsRow, timeseriesRow follow the header)', () => {
    const horizons = ['1s', '30s'];
    const fixed = Object.fromEntries(Object.keys(FILLS_COLUMNS).map((c) => [c, c])) as Record<FillsColumn, string>;
    const perHorizon = horizons.map(
      (h) =>
        Object.fromEntries(Object.entries(FILLS_HORIZON_COLUMNS).map(([figure, name]) => [figure, name(h)])) as Record<
          FillsHorizonFigure,
          string
        >,
    );
    expect(fillsRow(fixed, perHorizon)).toEqual(fillsHeader(horizons));
    expect(fillsHeader(horizons).slice(-3)).toEqual(['mid_30s', 'markout_30s', 'markout_30s_bps']);
    const cells = Object.fromEntries(TIMESERIES_HEADER.map((c) => [c, c])) as Record<TimeseriesColumn, string>;
    expect(timeseriesRow(cells)).toEqual(TIMESERIES_HEADER);
    const orderCells = Object.fromEntries(ORDERS_HEADER.map((c) => [c, c])) as Record<OrdersColumn, string>;
    expect(ordersRow(orderCells)).toEqual(ORDERS_HEADER);
  });

  it('a written run folder has the contract headers, the horizons of its summary', () => {
    expect(loaded.horizons).toEqual(['1s', '5s', '30s', '60s']);
    expect(rawCsv(run, RUN_FILE.fills).header).toEqual(fillsHeader(loaded.horizons));
    expect(rawCsv(run, RUN_FILE.timeseries).header).toEqual(TIMESERIES_HEADER);
    expect(rawCsv(run, RUN_FILE.orders).header).toEqual(ORDERS_HEADER);
  });

  it('reads back every column of orders.csv, cell for cell; fills link to their orders by id', () => {
    const { header, rows } = rawCsv(run, RUN_FILE.orders);
    expect(rows.length).toBeGreaterThan(10);
    expect(loaded.orders).toHaveLength(rows.length);
    rows.forEach((row, i) => {
      const order = loaded.orders[i] as unknown as Record<string, unknown>;
      expect(Object.keys(order)).toHaveLength(header.length);
      for (const [name, spec] of Object.entries(ORDERS_COLUMNS))
        expect(order[spec.field], `line ${i + 2}, ${name}`).toEqual(expected(spec, row[header.indexOf(name)]));
    });
    const byId = new Map(loaded.orders.map((o) => [o.orderId, o]));
    const filled = new Map<string, number>();
    for (const fill of loaded.fills) {
      const order = byId.get(fill.orderId)!;
      expect(order.side).toBe(fill.side);
      expect(fill.orderAgeUs).toBe(fill.ts - order.venueTs!);
      expect(fill.localTs).toBeGreaterThanOrEqual(fill.ts);
      expect([fill.placedDistanceTicks, fill.placedQueueAhead]).toEqual([order.placedDistanceTicks, order.placedQueueAhead]);
      filled.set(fill.orderId, (filled.get(fill.orderId) ?? 0) + fill.size);
    }
    for (const order of loaded.orders) {
      expect(order.filled).toBeCloseTo(filled.get(order.orderId) ?? 0, 9);
      if (order.status === 'filled') expect(order.filled).toBeCloseTo(order.size, 9);
    }
    // the demo's jumps move the book through some quotes in flight: post-only rejects too
    expect(new Set(loaded.orders.map((o) => o.status))).toEqual(new Set(['filled', 'cancelled', 'open', 'rejected']));
  });

  it('reads back every column of fills.csv, cell for cell', () => {
    const { header, rows } = rawCsv(run, RUN_FILE.fills);
    expect(rows.length).toBeGreaterThan(10);
    expect(loaded.fills).toHaveLength(rows.length);
    let checked = 0;
    rows.forEach((row, i) => {
      const fill = loaded.fills[i] as unknown as Record<string, unknown>;
      for (const [name, spec] of Object.entries(FILLS_COLUMNS)) {
        expect(fill[spec.field], `line ${i + 2}, ${name}`).toEqual(expected(spec, row[header.indexOf(name)]));
        checked++;
      }
      for (const h of loaded.horizons)
        for (const [figure, name] of Object.entries(FILLS_HORIZON_COLUMNS)) {
          const cell = row[header.indexOf(name(h))];
          expect((fill[figure] as Record<string, unknown>)[h], `line ${i + 2}, ${name(h)}`).toEqual(cell === 'NA' ? null : Number(cell));
          checked++;
        }
    });
    expect(checked).toBe(rows.length * header.length); // every written column was compared
    // the NA path is exercised: the last fills' 60 s markouts run past the end of the data
    expect(loaded.fills.some((f) => f.markoutBps['60s'] === null)).toBe(true);
  });

  it('reads back every column of timeseries.csv, cell for cell', () => {
    const { header, rows } = rawCsv(run, RUN_FILE.timeseries);
    expect(loaded.timeseries).toHaveLength(rows.length);
    rows.forEach((row, i) => {
      const sample = loaded.timeseries[i] as unknown as Record<string, unknown>;
      expect(Object.keys(sample)).toHaveLength(header.length);
      for (const [name, spec] of Object.entries(TIMESERIES_COLUMNS))
        expect(sample[spec.field], `line ${i + 2}, ${name}`).toEqual(expected(spec, row[header.indexOf(name)]));
    });
  });

  it('reads summary.json and run.json back whole: they serialize to the same bytes', () => {
    expect(`${JSON.stringify(loaded.summary, null, 2)}\n`).toBe(text(run, RUN_FILE.summary));
    expect(`${JSON.stringify(loaded.record, null, 2)}\n`).toBe(text(run, RUN_FILE.record));
  });
});

describe('a run folder that does not match the contract', () => {
  const fails = (dir: string, message: RegExp) => {
    expect(() => loadRun(dir)).toThrow(SpreadlabError);
    expect(() => loadRun(dir)).toThrow(message);
  };

  it('fills.csv without a column', () => {
    fails(
      brokenCopy('no-liquidity', RUN_FILE.fills, (csv) => dropColumn(csv, 'liquidity')),
      /fills\.csv: unexpected header: missing column liquidity \(expected the header spreadlab writes: exch_ts_us,.*; got: /,
    );
    fails(
      brokenCopy('no-horizon', RUN_FILE.fills, (csv) => dropColumn(csv, 'mid_5s')),
      /fills\.csv: unexpected header: missing column mid_5s/,
    );
  });

  it('fills.csv with a renamed or reordered column, timeseries.csv with an extra one', () => {
    fails(
      brokenCopy('renamed', RUN_FILE.fills, (csv) => csv.replace('markout_30s_bps', 'markout_30s_pct')),
      /fills\.csv: unexpected header: missing column markout_30s_bps; unexpected column markout_30s_pct/,
    );
    fails(
      brokenCopy('reordered', RUN_FILE.fills, (csv) => csv.replace('order_id,side', 'side,order_id')),
      /fills\.csv: unexpected header: columns out of order/,
    );
    fails(
      brokenCopy('extra', RUN_FILE.timeseries, (csv) => csv.replace(/\n/g, ',0\n').replace(',0\n', ',spread\n')),
      /timeseries\.csv: unexpected header: unexpected column spread/,
    );
  });

  it('a bad cell in a column the report does not plot is still caught', () => {
    fails(
      brokenCopy('bad-cell', RUN_FILE.fills, (csv) => {
        const lines = csv.split('\n');
        const at = lines[0].split(',').indexOf('markout_5s');
        lines[2] = lines[2]
          .split(',')
          .map((c, i) => (i === at ? 'x' : c))
          .join(',');
        return lines.join('\n');
      }),
      /fills\.csv line 3, column markout_5s: expected a number or NA, got "x"/,
    );
  });

  it('orders.csv missing, or with a post_only cell that is not true or false; a quoted reason reads whole', () => {
    const missing = join(tmp, 'no-orders');
    cpSync(run, missing, { recursive: true });
    rmSync(join(missing, RUN_FILE.orders));
    fails(missing, /orders\.csv: missing \(a run folder holds summary\.json, fills\.csv, timeseries\.csv, run\.json and orders\.csv/);
    fails(
      brokenCopy('bad-post-only', RUN_FILE.orders, (csv) => csv.replace(',true,GTC,', ',yes,GTC,')),
      /orders\.csv line 2, column post_only: expected true or false, got "yes"/,
    );
    const quoted = brokenCopy('quoted-reason', RUN_FILE.orders, (csv) =>
      csv.replace(/,GTC,(\d+),(\d+),(\d+),(\w+),,/, ',GTC,$1,$2,$3,$4,"refused, ""-5022""",'),
    );
    expect(loadRun(quoted).orders[0].reason).toBe('refused, "-5022"');
  });

  it('summary.json without a key, or without its main horizon', () => {
    const edit = (change: (s: Record<string, any>) => void) => (json: string) => {
      const s = JSON.parse(json);
      change(s);
      return JSON.stringify(s);
    };
    fails(
      brokenCopy(
        'no-requotes',
        RUN_FILE.summary,
        edit((s) => delete s.quotes.requotes),
      ),
      /summary\.json: quotes\.requotes: expected a number, got nothing/,
    );
    fails(
      brokenCopy(
        'no-inventory',
        RUN_FILE.summary,
        edit((s) => delete s.inventory),
      ),
      /summary\.json: inventory: expected an object, got nothing/,
    );
    fails(
      brokenCopy(
        'string-figure',
        RUN_FILE.summary,
        edit((s) => (s.realizedSpreadStats['30s'].count = '12')),
      ),
      /summary\.json: realizedSpreadStats\.30s\.count: expected a number, got string/,
    );
    fails(
      brokenCopy(
        'no-main',
        RUN_FILE.summary,
        edit((s) => (s.mainHorizon = '45s')),
      ),
      /summary\.json: realizedSpreadStats: expected a key for mainHorizon/,
    );
  });

  it('run.json without the scenario name', () => {
    fails(
      brokenCopy('no-name', RUN_FILE.record, (json) => {
        const r = JSON.parse(json);
        delete r.scenario.name;
        return JSON.stringify(r);
      }),
      /run\.json: scenario\.name: expected a string/,
    );
  });

  it('spreadlab report on such a folder exits 2, naming the file and what was expected, without a stack trace', () => {
    const dir = brokenCopy('cli', RUN_FILE.fills, (csv) => dropColumn(csv, 'liquidity'));
    const r = spreadlab('report', dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${join(dir, 'fills.csv')}: unexpected header: missing column liquidity`);
    expect(r.stderr).not.toMatch(/^\s{4}at /m);
  });
});
