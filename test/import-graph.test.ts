import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The shape of src/: data flows one way down the layers, so no module imports one above it, and no
 * import cycle exists anywhere. The layers, bottom up (a folder may import its own and lower ones):
 */
const LAYERS = ['core', 'book', 'ledger', 'strategy', 'venue', 'data', 'sim', 'analytics', 'report', 'sweep', 'live', 'cli'];

const SRC = resolve('src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Relative imports of each file (static, dynamic and re-exports), as paths from src/. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .map((f) => f.fileName)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => fromSrc(resolve(dirname(file), spec)));
    graph.set(fromSrc(file), targets);
  }
  return graph;
}

const fromSrc = (path: string): string => relative(SRC, path).split(sep).join('/');
const layerOf = (file: string): number => LAYERS.indexOf(file.split('/')[0]);

/** Imports of a module from a higher layer than its own (src/index.ts, above every layer, may import any). */
function upwardImports(graph: Map<string, string[]>): string[] {
  return [...graph].flatMap(([from, targets]) =>
    targets.filter((to) => layerOf(from) >= 0 && layerOf(to) > layerOf(from)).map((to) => `${from} -> ${to}`),
  );
}

/** Strongly connected components with more than one file (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const onStack = new Set<string>();
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    indexOf.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!indexOf.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indexOf.has(v)) visit(v);
  return found;
}

describe('the import graph of src/', () => {
  const graph = importGraph();

  it('sees every layer and resolves every relative import to a file', () => {
    for (const layer of LAYERS)
      expect(
        [...graph.keys()].some((f) => f.startsWith(`${layer}/`)),
        layer,
      ).toBe(true);
    const unresolved = [...graph].flatMap(([from, targets]) => targets.filter((t) => !graph.has(t)).map((t) => `${from} -> ${t}`));
    expect(unresolved).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('imports nothing from a higher layer (core, book and venue import nothing above them)', () => {
    expect(upwardImports(graph)).toEqual([]);
  });

  it('the checker itself finds a planted cycle and a planted upward import', () => {
    const planted = new Map([
      ['venue/a.ts', ['data/b.ts']],
      ['data/b.ts', ['venue/a.ts']],
    ]);
    expect(cycles(planted)).toEqual([['data/b.ts', 'venue/a.ts']]);
    expect(upwardImports(planted)).toEqual(['venue/a.ts -> data/b.ts']);
  });
});
