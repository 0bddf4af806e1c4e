import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SpreadlabError } from '../../src/core/errors.ts';
import { applyOverride, loadScenario, parseScenario } from '../../src/sim/scenario.ts';
import { BUILT_IN_STRATEGIES } from '../../src/strategy/registry.ts';

const DEMO = new URL('../../scenarios/demo.json', import.meta.url).pathname;
const demoRaw = (): Record<string, any> => JSON.parse(readFileSync(DEMO, 'utf8'));

const dir = mkdtempSync(join(tmpdir(), 'spreadlab-scenario-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The SpreadlabError message `fn` throws; fails the test if it throws nothing or another error type. */
function userError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SpreadlabError);
    return (error as Error).message;
  }
  throw new Error('expected a SpreadlabError, nothing was thrown');
}

/** The SpreadlabError message the promise `fn` returns rejects with. */
async function rejection(fn: () => Promise<unknown>): Promise<string> {
  const error = await fn().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SpreadlabError);
  return (error as Error).message;
}

describe('parseScenario', () => {
  it('parses the shipped demo scenario', async () => {
    const s = await loadScenario(DEMO);
    expect(s.name).toBe('demo');
    expect(s.seed).toBe(1);
    expect(s.durationSeconds).toBe(3600);
    expect(s.market).toEqual({
      symbol: 'SYN-USD',
      kind: 'perpetual',
      tickSize: 0.01,
      lotSize: 0.001,
      makerFeeBps: -2,
      takerFeeBps: 5,
      funding: { rate: 0.0001, intervalHours: 8 },
    });
    expect(s.strategy).toEqual({ name: 'inventory-skew', spreadBps: 10, size: 0.01, requoteMs: 3000, maxInventory: 0.5, skewFactor: 0.5 });
    expect(s.venue.latency).toEqual({ model: 'constant', entryMs: 20, responseMs: 20 });
  });

  it('fills defaults for optional fields', () => {
    const raw = demoRaw();
    delete raw.seed;
    delete raw.venue;
    delete raw.strategy.requoteMs;
    delete raw.strategy.skewFactor;
    delete raw.market.makerFeeBps;
    const s = parseScenario(raw, 'x.json');
    expect(s.seed).toBe(1);
    expect(s.venue).toEqual({
      queue: { model: 'risk-averse' },
      latency: { model: 'constant', entryMs: 20, responseMs: 20 },
      bookThrough: 'crossed-quantity',
    });
    expect(s.strategy).toMatchObject({ requoteMs: 3000, skewFactor: 0.5 });
    expect(s.market!.makerFeeBps).toBe(0);
  });

  it('an unknown key names its JSON path and the key', () => {
    const raw = demoRaw();
    raw.strategy.foo = 1;
    expect(userError(() => parseScenario(raw, 'x.json'))).toBe('x.json: strategy: unknown key(s) "foo"');
  });

  it('an unknown key at the top level says so', () => {
    const raw = demoRaw();
    raw.extra = true;
    expect(userError(() => parseScenario(raw, 'x.json'))).toBe('x.json: (top level): unknown key(s) "extra"');
  });

  it('a wrong type names the path, the expected and the received type', () => {
    const raw = demoRaw();
    raw.durationSeconds = 'long';
    expect(userError(() => parseScenario(raw, 'x.json'))).toBe('x.json: durationSeconds: expected number, got string');
    const nested = demoRaw();
    nested.market.tickSize = '0.01';
    expect(userError(() => parseScenario(nested, 'x.json'))).toBe('x.json: market.tickSize: expected number, got string');
  });

  it('a missing required field names its path', () => {
    const raw = demoRaw();
    delete raw.market.symbol;
    expect(userError(() => parseScenario(raw, 'x.json'))).toBe('x.json: market.symbol: expected string, got undefined');
  });

  it('a bad discriminator lists the valid names', () => {
    const raw = demoRaw();
    raw.strategy.name = 'nope';
    const message = userError(() => parseScenario(raw, 'x.json'));
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toMatch(
      /^x\.json: strategy\.name: expected one of "[^"]+"(, "[^"]+")*, got "nope" \(or "module": "\.\/my-strategy\.ts" for a strategy of your own\)$/,
    );
    // every registered strategy is listed (the registry grows, so the list is read from it)
    const listed = [...message.replace(/, got .*$/s, '').matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    expect(listed.sort()).toEqual(BUILT_IN_STRATEGIES.map((s) => s.name).sort());
    expect(listed).toEqual(expect.arrayContaining(['fixed-spread', 'inventory-skew']));

    const latency = demoRaw();
    latency.venue.latency.model = 'gaussian';
    expect(userError(() => parseScenario(latency, 'x.json'))).toMatch(
      /^x\.json: venue\.latency\.model: expected one of "constant", "lognormal", "recorded"(, got "gaussian")?$/,
    );
    const through = demoRaw();
    through.venue.bookThrough = 'everything';
    const throughMessage = userError(() => parseScenario(through, 'x.json'));
    expect(throughMessage).toMatch(/^x\.json: venue\.bookThrough: /);
    expect(throughMessage).toMatch(/crossed-quantity.*full/);
    through.venue.bookThrough = 'full';
    expect(parseScenario(through, 'x.json').venue.bookThrough).toBe('full');
    const data = demoRaw();
    data.data.model = 'brownian';
    const dataMessage = userError(() => parseScenario(data, 'x.json'));
    expect(dataMessage).toMatch(/^x\.json: data\.model: expected one of "/);
    expect(dataMessage).toContain('"random-walk"');
  });

  it('reports every problem, one per line', () => {
    const raw = demoRaw();
    raw.strategy.foo = 1;
    raw.durationSeconds = 'long';
    const lines = userError(() => parseScenario(raw, 'x.json')).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines).toContain('x.json: durationSeconds: expected number, got string');
    expect(lines).toContain('x.json: strategy: unknown key(s) "foo"');
  });

  it('a value out of range names the path', () => {
    const raw = demoRaw();
    raw.market.tickSize = -1;
    expect(userError(() => parseScenario(raw, 'x.json'))).toBe('x.json: market.tickSize: expected a number > 0 and ≤ 1000000, got -1');
  });

  it('a non-object document is refused at the top level', () => {
    expect(userError(() => parseScenario([], 'x.json'))).toBe('x.json: (top level): expected object, got array');
  });
});

describe('applyOverride', () => {
  it('sets nested paths with JSON values', () => {
    const raw = demoRaw();
    applyOverride(raw, 'strategy.spreadBps=15');
    applyOverride(raw, 'durationSeconds=120');
    applyOverride(raw, 'venue.latency={"model":"lognormal","entryMedianMs":5,"responseMedianMs":6,"sigma":0.3}');
    applyOverride(raw, 'market.makerFeeBps=-1.5');
    expect(raw.strategy.spreadBps).toBe(15);
    expect(raw.durationSeconds).toBe(120);
    expect(raw.venue.latency).toEqual({ model: 'lognormal', entryMedianMs: 5, responseMedianMs: 6, sigma: 0.3 });
    expect(raw.market.makerFeeBps).toBe(-1.5);
    const s = parseScenario(raw, 'x.json');
    expect(s.strategy.spreadBps).toBe(15);
    expect(s.venue.latency.model).toBe('lognormal');
  });

  it('reads a value that is not JSON as a string; a JSON string stays a string', () => {
    const raw = demoRaw();
    applyOverride(raw, 'description=hello world');
    applyOverride(raw, 'name="123"');
    applyOverride(raw, 'strategy.name=fixed-spread');
    applyOverride(raw, 'market.symbol=a=b'); // only the first "=" splits
    expect(raw.description).toBe('hello world');
    expect(raw.name).toBe('123');
    expect(raw.strategy.name).toBe('fixed-spread');
    expect(raw.market.symbol).toBe('a=b');
  });

  it('creates missing intermediate objects', () => {
    const raw: Record<string, any> = {};
    applyOverride(raw, 'venue.queue.model=probabilistic');
    expect(raw).toEqual({ venue: { queue: { model: 'probabilistic' } } });
  });

  it('refuses a malformed override', () => {
    expect(userError(() => applyOverride({}, 'novalue'))).toBe('--set novalue: expected path=value, e.g. strategy.spreadBps=15');
    expect(userError(() => applyOverride({}, '=5'))).toMatch(/^--set =5: expected path=value/);
  });

  it('refuses a path through a non-object', () => {
    const raw = demoRaw();
    expect(userError(() => applyOverride(raw, 'strategy.spreadBps.x=1'))).toBe('--set strategy.spreadBps.x=1: spreadBps is not an object');
  });

  it('refuses prototype keys instead of polluting Object.prototype', () => {
    expect(userError(() => applyOverride({}, '__proto__.polluted=1'))).toMatch(/^--set __proto__\.polluted=1: /);
    expect(userError(() => applyOverride({}, 'constructor.prototype.polluted=1'))).toMatch(/^--set constructor/);
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("steps into the markets list by an element's position or its id", () => {
    const raw: Record<string, any> = { markets: [{ id: 'spot', symbol: 'BTCUSDT' }, { symbol: 'ETHUSDT' }] };
    applyOverride(raw, 'markets.1.makerFeeBps=2');
    applyOverride(raw, 'markets.spot.takerFeeBps=7');
    applyOverride(raw, 'markets.ETHUSDT.data.noiseBps=0.5'); // no id: the symbol names it
    expect(raw.markets).toEqual([
      { id: 'spot', symbol: 'BTCUSDT', takerFeeBps: 7 },
      { symbol: 'ETHUSDT', makerFeeBps: 2, data: { noiseBps: 0.5 } },
    ]);
    applyOverride(raw, 'markets.0={"id":"x"}');
    expect(raw.markets[0]).toEqual({ id: 'x' });
    expect(userError(() => applyOverride(raw, 'markets.perp.makerFeeBps=1'))).toBe(
      '--set markets.perp.makerFeeBps=1: "perp" is neither a position (0 to 1) nor the id of an element of the list',
    );
    expect(userError(() => applyOverride(raw, 'markets.2.makerFeeBps=1'))).toMatch(/"2" is neither a position \(0 to 1\)/);
  });

  it('an override that breaks the schema is reported by parseScenario', () => {
    const raw = demoRaw();
    applyOverride(raw, 'durationSeconds=abc');
    expect(userError(() => parseScenario(raw, 'x.json'))).toBe('x.json: durationSeconds: expected number, got string');
  });
});

describe('loadScenario', () => {
  it('applies overrides before validation', async () => {
    const s = await loadScenario(DEMO, ['durationSeconds=120', 'seed=7', 'strategy.spreadBps=12.5']);
    expect(s.durationSeconds).toBe(120);
    expect(s.seed).toBe(7);
    expect(s.strategy.spreadBps).toBe(12.5);
  });

  it('names the file in validation errors', async () => {
    // switching to fixed-spread leaves inventory-skew's keys, which fixed-spread does not know
    const message = await rejection(() => loadScenario(DEMO, ['strategy.name=fixed-spread']));
    expect(message).toBe(`${DEMO}: strategy: unknown key(s) "maxInventory", "skewFactor"`);
  });

  it('a file that is not JSON errors with the file name', async () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ "name": "demo", ');
    const message = await rejection(() => loadScenario(file));
    expect(message).toBe(`${file}:1:19: not valid JSON: Expected double-quoted property name`);
  });

  it('a missing file errors with the file name and the reason', async () => {
    const file = join(dir, 'absent.json');
    expect(await rejection(() => loadScenario(file))).toBe(`${file}: cannot read scenario: no such file or folder (ENOENT)`);
  });

  it('a file whose top level is not an object is refused, with or without overrides', async () => {
    const list = join(dir, 'list.json');
    writeFileSync(list, '[1, 2]');
    expect(await rejection(() => loadScenario(list))).toBe(`${list}: (top level): expected object, got array`);
    expect(await rejection(() => loadScenario(list, ['seed=2']))).toBe(`${list}: (top level): expected object, got array`);
    const scalar = join(dir, 'scalar.json');
    writeFileSync(scalar, '42');
    expect(await rejection(() => loadScenario(scalar, ['seed=2']))).toBe('scenario: expected a JSON object at the top level');
  });
});
