import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startExchangeServer, type ExchangeServer } from '../../src/live/server/server.ts';
import { loadScenario } from '../../src/sim/scenario.ts';
import { ROOT } from '../spawn-cli.ts';

/** What the tests of live runs as real processes share. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every 50 ms until it answers something truthy (returned), or fails after `ms`. */
export async function waitFor<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  ms: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

export type OrderLogEvent = { event: string; market?: string; [k: string]: unknown };

/** A live run folder's orders.jsonl as written so far (none yet: empty). */
export const orderEvents = (out: string): OrderLogEvent[] =>
  existsSync(join(out, 'orders.jsonl'))
    ? readFileSync(join(out, 'orders.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];

/** A `spreadlab live` process writing into `out`, with its output (stdout and stderr) as it comes. */
export interface LiveProcess {
  child: ChildProcess;
  out: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `spreadlab live ARGS --out OUT` (the built bin, from the repository root) with the API keys given. */
export function spawnLive(args: string[], out: string, keys: { apiKey: string; secret: string }): LiveProcess {
  const child = spawn(process.execPath, ['bin/spreadlab.js', 'live', ...args, '--out', out], {
    cwd: ROOT,
    env: { ...process.env, SPREADLAB_API_KEY: keys.apiKey, SPREADLAB_API_SECRET: keys.secret },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (d) => (text += d));
  child.stderr!.on('data', (d) => (text += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out, output: () => text, exited };
}

export const SPOT_PERP_SCENARIO = join(ROOT, 'scenarios/btcusdt-spot-perp-hedge.json');

/**
 * The recorded spot + perpetual scenario served by two local servers (markets spot and perp, one per
 * venue), and a live config of it at `config` named `name` that hedges every spot fill on the perpetual
 * (a hedge threshold below one quote's size).
 */
export async function spotPerpSetup(
  config: string,
  name: string,
  credentials: { apiKey: string; secret: string },
): Promise<ExchangeServer[]> {
  const scenario = await loadScenario(SPOT_PERP_SCENARIO);
  const servers: ExchangeServer[] = [];
  for (const market of ['spot', 'perp'])
    servers.push(await startExchangeServer({ scenario, baseDir: join(ROOT, 'scenarios'), market, speed: 1, ...credentials }));
  const raw = JSON.parse(readFileSync(SPOT_PERP_SCENARIO, 'utf8'));
  writeFileSync(
    config,
    JSON.stringify({
      kind: 'spreadlab-live-config',
      version: 1,
      name,
      scenario: { ...raw, $schema: undefined, strategy: { ...raw.strategy, hedgeThreshold: 0.0005, requoteMs: 1000 } },
      risk: { maxPosition: 0.01, maxLoss: 100, maxOrdersPerMinute: 1000, staleDataSeconds: 10, priceBandBps: 100 },
      provenance: { source: 'test' },
    }),
  );
  return servers;
}
