import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Convention 1: nothing in the simulator reads the wall clock or Math.random; only src/cli/ and src/live/
 * may touch real time. This test parses every other .ts file under src/ and fails, listing file:line, on:
 * Math.random, Date.now, new Date(...), Date() (a call without `new` also reads the clock),
 * performance.now, process.hrtime, setTimeout, setInterval.
 *
 * It reads the syntax tree, not the text, so a comment or a string that mentions one of these (such as
 * "Nothing here reads the wall clock or Math.random" in src/sim/backtest.ts) is not a use.
 * setImmediate is allowed: src/sim/backtest.ts uses it only to run its loop in a macrotask (where the
 * strategy's promise continuations can be run) and to yield to the event loop; it reads no time and
 * schedules nothing in the future.
 */
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SRC = join(ROOT, 'src');
const EXEMPT_DIRS = ['src/cli/', 'src/live/'];

interface Finding {
  file: string;
  line: number;
  what: string;
  /** Name of the innermost enclosing named function, if any. */
  fn?: string;
  args: number;
}

/**
 * Explicit exceptions. Each is one file, one function, one pattern, with a reason; a stale entry (no
 * longer matching anything) fails the test too, so the list cannot silently outgrow the code.
 */
const ALLOWED: { file: string; fn: string; what: string; args: number; why: string }[] = [
  {
    file: 'src/core/units.ts',
    fn: 'isoMicros',
    what: 'new Date(',
    args: 1,
    why: 'new Date(ms) formats an already-simulated (virtual) timestamp as ISO 8601; with one argument it does not read the clock',
  },
  {
    file: 'src/data/cache.ts',
    fn: 'markUsed',
    what: 'Date.now',
    args: 0,
    why: "stamps a cache file's access time as its last use, which only `spreadlab data cache` lists and prunes by; no run reads it",
  },
  {
    file: 'src/sweep/pool.ts',
    fn: 'runPool',
    what: 'setTimeout',
    args: 0,
    why: 'ends the worker threads kept between pools after they have been idle a while; it schedules no run and changes no output',
  },
];

const FORBIDDEN_MEMBERS: Record<string, string[]> = {
  Math: ['random'],
  Date: ['now'],
  performance: ['now'],
  process: ['hrtime'],
};
const FORBIDDEN_GLOBALS = new Set(['setTimeout', 'setInterval']);

/** Uses of the forbidden APIs in one source text. */
function findClockUses(fileName: string, text: string): Finding[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const findings: Finding[] = [];
  const report = (node: ts.Node, what: string, args = 0) => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    findings.push({ file: fileName, line, what, fn: enclosingFunctionName(node), args });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
      const object = node.expression.text;
      if (FORBIDDEN_MEMBERS[object]?.includes(node.name.text)) report(node, `${object}.${node.name.text}`);
      if (object === 'globalThis' && FORBIDDEN_GLOBALS.has(node.name.text)) report(node, node.name.text);
    } else if (ts.isElementAccessExpression(node) && ts.isIdentifier(node.expression) && ts.isStringLiteralLike(node.argumentExpression)) {
      const object = node.expression.text;
      const member = node.argumentExpression.text;
      if (FORBIDDEN_MEMBERS[object]?.includes(member)) report(node, `${object}.${member}`);
    } else if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Date') {
      report(node, 'new Date(', node.arguments?.length ?? 0);
    } else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Date') {
      report(node, 'Date(', node.arguments.length);
    } else if (ts.isIdentifier(node) && FORBIDDEN_GLOBALS.has(node.text) && !isMemberName(node)) {
      report(node, node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return findings;
}

/** `x.setTimeout` (the name after a dot) is reported through its object, not as a bare identifier. */
function isMemberName(node: ts.Identifier): boolean {
  return ts.isPropertyAccessExpression(node.parent) && node.parent.name === node;
}

function enclosingFunctionName(node: ts.Node): string | undefined {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if ((ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n)) && n.name) return n.name.getText();
    if ((ts.isArrowFunction(n) || ts.isFunctionExpression(n)) && ts.isVariableDeclaration(n.parent)) return n.parent.name.getText();
  }
  return undefined;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.isFile() && entry.name.endsWith('.ts') ? [path] : [];
  });
}

const isAllowed = (f: Finding) => ALLOWED.some((a) => a.file === f.file && a.fn === f.fn && a.what === f.what && a.args === f.args);

describe('no wall clock or Math.random outside src/cli and src/live', () => {
  const files = tsFiles(SRC)
    .map((path) => relative(ROOT, path).split(sep).join('/'))
    .filter((file) => !EXEMPT_DIRS.some((dir) => file.startsWith(dir)))
    .sort();
  const findings = files.flatMap((file) => findClockUses(file, readFileSync(join(ROOT, file), 'utf8')));

  it('scans the simulator sources', () => {
    // the scan must actually see the engine, not an empty or wrong folder
    for (const file of ['src/sim/backtest.ts', 'src/ledger/ledger.ts', 'src/analytics/summary.ts', 'src/core/version.ts']) {
      expect(files).toContain(file);
    }
    expect(files.some((f) => f.startsWith('src/cli/'))).toBe(false);
  });

  it('finds no forbidden use', () => {
    const bad = findings.filter((f) => !isAllowed(f)).map((f) => `${f.file}:${f.line}: ${f.what}${f.fn ? ` (in ${f.fn})` : ''}`);
    expect(bad, `wall clock / randomness outside src/cli and src/live:\n${bad.join('\n')}`).toEqual([]);
  });

  it('every allowlist entry still matches exactly one use', () => {
    for (const allowed of ALLOWED) {
      const matches = findings.filter(
        (f) => f.file === allowed.file && f.fn === allowed.fn && f.what === allowed.what && f.args === allowed.args,
      );
      expect(matches, `${allowed.file} ${allowed.fn} ${allowed.what}: ${allowed.why}`).toHaveLength(1);
    }
  });
});

describe('the detector itself', () => {
  const sample = [
    '// Math.random in a comment, Date.now() too', // 1
    "const s = 'new Date() and setTimeout in a string';", // 2
    'const a = Math.random();', // 3
    'const b = Date.now();', // 4
    'const c = new Date();', // 5
    'const d = new Date(0);', // 6
    'const e = performance.now();', // 7
    'const f = process.hrtime.bigint();', // 8
    'setTimeout(() => {}, 5);', // 9
    'const g = setInterval;', // 10
    'globalThis.setTimeout(() => {}, 1);', // 11
    "const h = Math['random']();", // 12
    'const i = Date();', // 13
    'setImmediate(() => {});', // 14: allowed
    'const j = Math.floor(1.5) + Date.parse("2024-01-01");', // 15: allowed
    'function iso(ms: number) { return new Date(ms).toISOString(); }', // 16
    '/* performance.now() */ const k = 1;', // 17
  ].join('\n');
  const found = findClockUses('sample.ts', sample).map((f) => `${f.line}:${f.what}`);

  it('reports each forbidden use with its line', () => {
    expect(found).toEqual([
      '3:Math.random',
      '4:Date.now',
      '5:new Date(',
      '6:new Date(',
      '7:performance.now',
      '8:process.hrtime',
      '9:setTimeout',
      '10:setInterval',
      '11:setTimeout',
      '12:Math.random',
      '13:Date(',
      '16:new Date(',
    ]);
  });

  it('allows new Date(x) only in the listed function with one argument', () => {
    const inIso = findClockUses('src/core/units.ts', 'export function isoMicros(us: number) { return new Date(us / 1000).toISOString(); }');
    expect(inIso.map(isAllowed)).toEqual([true]);
    // reading the clock (no argument) in the same function is not allowed
    const noArg = findClockUses('src/core/units.ts', 'export function isoMicros() { return new Date().toISOString(); }');
    expect(noArg.map(isAllowed)).toEqual([false]);
    // the same call in another function or file is not allowed
    expect(findClockUses('src/core/units.ts', 'function other(ms: number) { return new Date(ms); }').map(isAllowed)).toEqual([false]);
    expect(findClockUses('src/sim/x.ts', 'function isoMicros(ms: number) { return new Date(ms); }').map(isAllowed)).toEqual([false]);
  });
});
