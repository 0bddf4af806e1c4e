import { describe, expect, it } from 'vitest';
import { SpreadlabError } from '../../src/core/errors.ts';
import { renderSweepPage } from '../../src/report/sweep-page.ts';
import { compileWarnings, externalReferences } from './helpers.ts';
import { handRows } from './sweep-rows.ts';

function specsOf(html: string): Record<string, Record<string, unknown>> {
  return JSON.parse(html.match(/<script type="application\/json" id="spreadlab-specs">([\s\S]*?)<\/script>/)![1]);
}

describe('sweep page', () => {
  const rows = handRows();
  const best = rows.find((r) => r['strategy.spreadBps'] === 10 && r['strategy.skewFactor'] === 0.5)!;
  const html = renderSweepPage({
    rows,
    axes: ['strategy.spreadBps', 'strategy.skewFactor'],
    objective: 'pnl.total',
    best,
    title: 'demo sweep',
  });

  it('has a heatmap per panel: objective, realized spread, fills; each compiles without a warning', () => {
    const specs = specsOf(html);
    expect(Object.keys(specs)).toEqual(['heatmap-0', 'heatmap-1', 'heatmap-2']);
    const titles = Object.values(specs).map((s) => (s.title as { text: string }).text);
    expect(titles[0]).toContain('pnl.total');
    expect(titles[1]).toContain('realized spread 30s');
    expect(titles[2]).toContain('fills');
    for (const [id, spec] of Object.entries(specs)) expect(compileWarnings(spec), id).toEqual([]);
    expect(html).toContain('<select id="panel-select">');
  });

  it('averages each cell over seeds and marks the best cell', () => {
    const values = (specsOf(html)['heatmap-0'].data as { values: { x: string; y: string; value: number; rows: number; best: boolean }[] })
      .values;
    expect(values).toHaveLength(9);
    const cell = values.find((v) => v.x === '10' && v.y === '0.5')!;
    expect(cell.rows).toBe(2);
    expect(cell.value).toBeCloseTo(0.05 + 0.0015, 10);
    expect(values.filter((v) => v.best)).toEqual([cell]);
  });

  it('lists every run in a sortable table with the best rows marked', () => {
    expect(html.match(/<tr[^>]*data-best/g)).toHaveLength(2);
    const body = html.match(/<table class="figures sweep" id="sweep-table">[\s\S]*?<\/table>/)![0];
    expect(body.match(/<tr/g)).toHaveLength(rows.length + 1);
    for (const column of ['strategy.spreadBps', 'strategy.skewFactor', 'seed', 'pnl.total', 'realizedSpreadBps.30s', 'fills.count'])
      expect(body).toContain(`data-column="${column}"`);
    expect(html).toContain('Best by pnl.total');
    expect(externalReferences(html)).toEqual([]);
  });

  it('shows in-sample and out-of-sample columns and an out-of-sample panel when rows carry them', () => {
    const withOos = renderSweepPage({
      rows: handRows(true),
      axes: ['strategy.spreadBps', 'strategy.skewFactor'],
      objective: 'pnl.total',
      best: { config: 4, params: { 'strategy.spreadBps': 10, 'strategy.skewFactor': 0.5 } },
    });
    expect(withOos).toContain('data-column="train.pnl.total"');
    expect(withOos).toContain('data-column="test.pnl.total"');
    expect(withOos).toContain('in-sample and out-of-sample');
    const specs = specsOf(withOos);
    expect(Object.keys(specs)).toHaveLength(4);
    expect((specs['heatmap-3'].title as { text: string }).text).toContain('out-of-sample pnl.total');
    for (const spec of Object.values(specs)) expect(compileWarnings(spec)).toEqual([]);
    expect(withOos.match(/<tr[^>]*data-best/g)).toHaveLength(2);
  });

  it('a minimised objective flips the colour scale; no best is stated plainly', () => {
    const page = renderSweepPage({
      rows,
      axes: ['strategy.spreadBps', 'strategy.skewFactor'],
      objective: 'pnl.total',
      minimize: true,
      best: null,
    });
    expect(page).toContain('No configuration qualified as best.');
    expect(page).not.toMatch(/<tr[^>]*data-best/);
    const color = JSON.stringify(specsOf(page)['heatmap-0']);
    expect(color).toContain('"reverse":true');
  });

  it('an unknown axis or objective is a SpreadlabError naming it', () => {
    expect(() => renderSweepPage({ rows, axes: ['strategy.nope', 'strategy.skewFactor'], objective: 'pnl.total', best: null })).toThrow(
      SpreadlabError,
    );
    expect(() => renderSweepPage({ rows, axes: ['strategy.nope', 'strategy.skewFactor'], objective: 'pnl.total', best: null })).toThrow(
      /strategy\.nope/,
    );
    expect(() => renderSweepPage({ rows, axes: ['strategy.spreadBps', 'strategy.skewFactor'], objective: 'sharpe', best: null })).toThrow(
      /objective sharpe/,
    );
    expect(() => renderSweepPage({ rows: [], axes: ['a', 'b'], objective: 'x', best: null })).toThrow(SpreadlabError);
  });
});
