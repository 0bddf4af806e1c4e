import { describe, expect, it } from 'vitest';
import { SpreadlabError } from '../../src/core/errors.ts';
import { renderSweepPage } from '../../src/report/sweep-page.ts';
import { compileWarnings, externalReferences } from './helpers.ts';
import { handRows, pageInput } from './sweep-rows.ts';

type AnySpec = Record<string, unknown> & { layer?: AnySpec[]; mark?: unknown; data?: { values: Record<string, unknown>[] } };

function specsOf(html: string): Record<string, AnySpec> {
  return JSON.parse(html.match(/<script type="application\/json" id="spreadlab-specs">([\s\S]*?)<\/script>/)![1]);
}

const markTypes = (spec: AnySpec): string[] =>
  (spec.layer ?? []).map((l) => (typeof l.mark === 'string' ? l.mark : ((l.mark as { type: string } | undefined)?.type ?? 'layer')));

const PARAMS = ['strategy.spreadBps', 'strategy.skewFactor'];

describe('sweep page: a grid over two parameters', () => {
  const rows = handRows();
  const html = renderSweepPage(pageInput(rows, PARAMS));

  it('one heatmap per metric, the objective first, each compiling without a warning; a select switches them', () => {
    const specs = specsOf(html);
    expect(Object.keys(specs)).toEqual(['metric-0', 'metric-1', 'metric-2', 'metric-3']);
    const titles = Object.values(specs).map((s) => (s.title as { text: string }).text);
    expect(titles[0]).toBe('PnL (quote currency) over strategy.spreadBps × strategy.skewFactor');
    expect(titles[1]).toContain('realized spread 30s, net of fees');
    for (const [id, spec] of Object.entries(specs)) expect(compileWarnings(spec), id).toEqual([]);
    expect(html).toContain('<select id="panel-select">');
    expect(html).not.toContain('"seed"');
  });

  it('each cell is the mean over seeds; the chosen cell is outlined; all-excluded cells say so', () => {
    const values = specsOf(html)['metric-0'].data!.values as { x: string; y: string; value: number; status: string }[];
    expect(values).toHaveLength(9);
    const cell = values.find((v) => v.x === '10' && v.y === '0.5')!;
    expect(cell.value).toBeCloseTo(0.05 + 0.0015, 10);
    expect(values.filter((v) => v.status === 'chosen')).toEqual([cell]);
    expect(values.filter((v) => v.status === 'excluded').map((v) => v.x)).toEqual(['20', '20', '20']);
  });

  it('one table row per configuration: mean ± sd across seeds, the exact mean in data-value, a column chooser', () => {
    const body = html.match(/<table class="figures sortable" id="sweep-table">[\s\S]*?<\/table>/)![0];
    expect(body.match(/<tr/g)).toHaveLength(9 + 1);
    expect(body.match(/<tr[^>]*data-best/g)).toHaveLength(1);
    expect(body.match(/<tr class="excluded"/g)).toHaveLength(3);
    const mean = (rows[8]['pnl.total'] as number) / 2 + (rows[9]['pnl.total'] as number) / 2;
    expect(body).toContain(`data-column="pnl.total" data-sort="${mean}" data-value="${mean}"`);
    expect(body).toMatch(/0\.05150 <small>± 0\.0007071<\/small>/);
    // the before-fees realized spread is there, hidden until chosen
    expect(body).toMatch(/<th data-column="realizedSpreadBps\.30s"[^>]*style="display:none"/);
    expect(html).toMatch(/<input type="checkbox" data-toggle="realizedSpreadBps\.30s">/);
    expect(html).toContain('the highest mean pnl.total');
    expect(externalReferences(html)).toEqual([]);
  });
});

describe('sweep page: one parameter, random draws, tune', () => {
  const oneParam = handRows().filter((r) => r['strategy.skewFactor'] === 0.5);

  it('a 1-D grid is a line with error bars across seeds, the chosen point ringed', () => {
    const spec = specsOf(renderSweepPage(pageInput(oneParam, ['strategy.spreadBps'])))['metric-0'];
    expect(markTypes(spec)).toEqual(['rule', 'errorbar', 'line', 'point', 'point']);
    const x = (spec.layer![2] as { encoding: { x: { type: string } } }).encoding.x;
    expect(x.type).toBe('quantitative');
    const values = spec.data!.values as { x: number; mean: number; low: number; high: number; status: string }[];
    expect(values.map((v) => v.x)).toEqual([5, 10, 20]);
    expect(values[1].status).toBe('chosen');
    expect(values[1].low).toBeLessThan(values[1].mean);
    expect((spec.title as { subtitle: string[] }).subtitle.join(' ')).toContain('95% interval across seeds');
    expect(compileWarnings(spec)).toEqual([]);
  });

  it("with one seed, realized spread draws the run's own interval over its fills; PnL draws none", () => {
    const single = oneParam.filter((r) => r.seed === 1);
    const specs = specsOf(renderSweepPage(pageInput(single, ['strategy.spreadBps'])));
    expect(markTypes(specs['metric-0'])).toEqual(['rule', 'line', 'point', 'point']);
    expect(markTypes(specs['metric-1'])).toEqual(['rule', 'errorbar', 'line', 'point', 'point']);
    expect((specs['metric-1'].title as { subtitle: string[] }).subtitle[0]).toContain("each run's 95% interval over its fills");
  });

  it('random draws are a scatter: points only in 1-D, the two first parameters coloured by the figure in 2-D', () => {
    const one = specsOf(renderSweepPage(pageInput(oneParam, ['strategy.spreadBps'], { kind: 'random' })))['metric-0'];
    expect(markTypes(one)).not.toContain('line');
    const two = specsOf(renderSweepPage(pageInput(handRows(), PARAMS, { kind: 'random' })))['metric-0'];
    expect(markTypes(two)).toEqual(['point', 'point']);
    expect(JSON.stringify(two)).toContain('"field":"mean","type":"quantitative","title":"PnL (quote currency)"');
    expect(compileWarnings(two)).toEqual([]);
  });

  it('tune: its own rule in the banner, points labelled by the evidence; no best states why', () => {
    const html = renderSweepPage(
      pageInput(oneParam, ['strategy.spreadBps'], {
        kind: 'tune',
        objective: 'netRealizedSpreadStats.30s.mean',
        rule: 'Chosen by tune: start at 2 bps, …',
        best: null,
        reason: 'at 20 bps only 21 fills',
      }),
    );
    expect(html).toContain('Chosen by tune: start at 2 bps');
    expect(html).not.toContain('maximised');
    expect(html).toContain('<b>No configuration chosen</b>: at 20 bps only 21 fills');
    expect(JSON.stringify(specsOf(html)['metric-0'])).toContain('"not consistently positive"');
  });

  it('a minimised objective says so and flips the heatmap colours', () => {
    const html = renderSweepPage(
      pageInput(handRows(), PARAMS, { minimize: true, rule: 'Chosen: the lowest mean pnl.total over the seeds (minimised) …' }),
    );
    expect(html).toContain('(minimised)');
    expect(JSON.stringify(specsOf(html)['metric-0'])).toContain('"reverse":true');
  });

  it('no configuration or an unknown parameter is a SpreadlabError', () => {
    expect(() => renderSweepPage(pageInput(handRows(), ['strategy.nope']))).toThrow(/strategy\.nope/);
    expect(() => renderSweepPage({ ...pageInput(handRows(), PARAMS), configs: [] })).toThrow(SpreadlabError);
  });
});
