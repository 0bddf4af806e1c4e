import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, editLine, expectOk, expectUserError, replayScenario, tardisMarket, tempDir } from './corpus.ts';

/**
 * Classes 6 and 7 of issue 15: data that is silently wrong is refused (onError "stop") or reported and
 * dropped ("skip"), like any bad row — files of two markets, a file listed twice, a clock error, prints at
 * 0 or far outside the book, a replay longer than its data, duplicated rows — and text details: a UTF-8
 * byte order mark, a non-ASCII symbol, JSON syntax errors with line:column on one line.
 */
const CASE_MS = 60_000;

/** The lines after the header of fills.csv. */
function fillPrices(runDir: string): number[] {
  const [header, ...rows] = readFileSync(join(runDir, 'fills.csv'), 'utf8').trim().split('\n');
  const price = header.split(',').indexOf('price');
  return rows.filter(Boolean).map((r) => Number(r.split(',')[price]));
}

describe('data that is silently wrong is refused or reported (class 6)', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = tempDir();
  });

  it(
    'files of two symbols are not merged into one market',
    async () => {
      const eth = tardisMarket(tmp, { symbol: 'ETHUSDT' });
      const btc = tardisMarket(tmp, { symbol: 'BTCUSDT' });
      const files = [eth.bookFile, btc.tradesFile];
      expectUserError(
        await cli(['backtest', replayScenario(tmp, files), '--out', join(tmp, 'mixed')]),
        /BTCUSDT_trades\.csv: symbol "BTCUSDT": expected "ETHUSDT" like .*ETHUSDT_incremental_book_L2\.csv \(the files of one replay are one market\)/,
      );
      const validate = await cli(['data', 'validate', ...files]);
      expectUserError(validate, /1 problems?|symbol "BTCUSDT"/);
      const skip = await cli([
        'backtest',
        replayScenario(tmp, files, {}, { onError: 'skip' }),
        '--quiet',
        '--out',
        join(tmp, 'mixed-skip'),
      ]);
      expectOk(skip);
      expect(skip.stderr).toMatch(/warning: 1 problem\(s\) in .* skipped \(data\.onError "skip"\)/);
      expect(JSON.parse(readFileSync(join(tmp, 'mixed-skip', 'run.json'), 'utf8')).dataFiles).toHaveLength(1);
    },
    CASE_MS,
  );

  it(
    'the same file listed twice, or a copy of it, is not read twice',
    async () => {
      const m = tardisMarket(tmp, { prefix: 'twice' });
      expectUserError(
        await cli(['backtest', replayScenario(tmp, [m.bookFile, m.tradesFile, m.tradesFile]), '--out', join(tmp, 'twice')]),
        /twice_trades\.csv: listed twice: the same file as/,
      );
      const copy = join(tmp, 'copy_of_trades.csv');
      copyFileSync(m.tradesFile, copy);
      expectUserError(
        await cli(['backtest', replayScenario(tmp, [m.bookFile, m.tradesFile, copy]), '--out', join(tmp, 'copy')]),
        /copy_of_trades\.csv: listed twice: a file with the same content as/,
      );
      const once = await cli(['backtest', replayScenario(tmp, [m.bookFile, m.tradesFile]), '--quiet', '--out', join(tmp, 'once')]);
      expectOk(once);
      const skip = await cli([
        'backtest',
        replayScenario(tmp, [m.bookFile, m.tradesFile, m.tradesFile], {}, { onError: 'skip' }),
        '--quiet',
        '--out',
        join(tmp, 'twice-skip'),
      ]);
      expectOk(skip);
      const summary = (dir: string) => JSON.parse(readFileSync(join(tmp, dir, 'summary.json'), 'utf8'));
      expect(summary('twice-skip').events).toBe(summary('once').events);
    },
    CASE_MS,
  );

  it(
    'a trade stamped 10 000 s in the future is a clock error, not a shift of the whole replay',
    async () => {
      const m = tardisMarket(tmp, { prefix: 'future' });
      editLine(m.tradesFile, 10, (line) => {
        const f = line.split(',');
        f[2] = String(Number(f[2]) + 10_000_000_000);
        return f.join(',');
      });
      expectUserError(
        await cli(['data', 'validate', m.tradesFile, '--on-error', 'stop']),
        /future_trades\.csv:10:\d+: timestamp "\d+": exchange time is 10000\.0 s after local time \(expected within 300 s; a clock error\)/,
      );
      expectUserError(
        await cli(['backtest', replayScenario(tmp, [m.bookFile, m.tradesFile]), '--out', join(tmp, 'future')]),
        /exchange time is 10000\.0 s after local time/,
      );
      const skip = await cli([
        'backtest',
        replayScenario(tmp, [m.bookFile, m.tradesFile], {}, { onError: 'skip' }),
        '--quiet',
        '--out',
        join(tmp, 'future-skip'),
      ]);
      expectOk(skip);
      const period = JSON.parse(readFileSync(join(tmp, 'future-skip', 'summary.json'), 'utf8')).period;
      expect(period.seconds).toBeLessThan(200); // the data's two minutes, not 10 000 s more
    },
    CASE_MS,
  );

  it(
    'a local time far behind the exchange time is a clock error too',
    async () => {
      const m = tardisMarket(tmp, { prefix: 'behind' });
      editLine(m.tradesFile, 5, (line) => {
        const f = line.split(',');
        f[2] = String(Number(f[2]) - 3_600_000_000);
        return f.join(',');
      });
      expectUserError(
        await cli(['data', 'validate', m.tradesFile, '--on-error', 'stop']),
        /behind_trades\.csv:5:\d+: .*exchange time is 3600\.0 s before local time/,
      );
    },
    CASE_MS,
  );

  it(
    'a trade at price 0 is a bad row',
    async () => {
      const m = tardisMarket(tmp, { prefix: 'zero' });
      editLine(m.tradesFile, 7, (line) => line.replace(/,[\d.]+,0\.1$/, ',0,0.1'));
      expectUserError(
        await cli(['data', 'validate', m.tradesFile, '--on-error', 'stop']),
        /zero_trades\.csv:7:\d+: price "0": expected a positive price/,
      );
      const book = tardisMarket(tmp, { prefix: 'zerobook' });
      editLine(book.bookFile, 3, (line) => line.replace(/,[\d.]+,1$/, ',0.00,1'));
      expectUserError(
        await cli(['data', 'validate', book.bookFile, '--on-error', 'stop']),
        /zerobook_incremental_book_L2\.csv:3:\d+: price "0\.00": expected a positive price/,
      );
    },
    CASE_MS,
  );

  it(
    'a print at 99 999 999.99 in a 100 market is refused',
    async () => {
      const m = tardisMarket(tmp, { prefix: 'huge' });
      editLine(m.tradesFile, 31, (line) => line.replace(/,[\d.]+,0\.1$/, ',99999999.99,0.1'));
      expectUserError(
        await cli(['backtest', replayScenario(tmp, [m.bookFile, m.tradesFile]), '--out', join(tmp, 'huge')]),
        /huge_trades\.csv: trade at .*: price 99999999\.99 is far outside the book, above twice the best ask \(bid 99\.99, ask 100\.01\)/,
      );
      // data validate reads at a fine resolution (1e-8), where such a price does not fit: it says so
      expectUserError(
        await cli(['data', 'validate', m.tradesFile, '--on-error', 'stop']),
        /huge_trades\.csv:31:\d+: price "99999999\.99": expected a number below 2\^53 steps/,
      );
    },
    CASE_MS,
  );

  it(
    'a print far outside the book (50 000 in a 100 market) is refused, or dropped under skip, and never fills us',
    async () => {
      const m = tardisMarket(tmp, { prefix: 'far' });
      editLine(m.tradesFile, 31, (line) => line.replace(/,[\d.]+,0\.1$/, ',50000.00,0.1'));
      const scenario = replayScenario(tmp, [m.bookFile, m.tradesFile]);
      expectUserError(
        await cli(['backtest', scenario, '--out', join(tmp, 'far')]),
        /far_trades\.csv: trade at .* \(exchange time\): price 50000 is far outside the book, above twice the best ask/,
      );
      const validate = await cli(['data', 'validate', m.bookFile, m.tradesFile]);
      expectUserError(validate, /far outside the book/);
      const out = join(tmp, 'far-skip');
      expectOk(await cli(['backtest', replayScenario(tmp, [m.bookFile, m.tradesFile], {}, { onError: 'skip' }), '--quiet', '--out', out]));
      expect(fillPrices(out).every((p) => p > 99 && p < 101)).toBe(true);
      // the same in a streamed replay (through the cache), with the cache in the test's folder; cold, then warm
      const streamedRun = (folder: string) =>
        cli(
          [
            'backtest',
            replayScenario(tmp, [m.bookFile, m.tradesFile], {}, { onError: 'skip', stream: true, cache: true }),
            '--quiet',
            '--out',
            folder,
          ],
          {
            env: { SPREADLAB_CACHE_DIR: join(tmp, 'cache') },
          },
        );
      const streamed = join(tmp, 'far-stream');
      const r = await streamedRun(streamed);
      expectOk(r);
      expect(readFileSync(join(streamed, 'fills.csv'), 'utf8')).toBe(readFileSync(join(out, 'fills.csv'), 'utf8'));
      // warm: the far print, screened out when the entry was written, is reported again from its header
      const warm = join(tmp, 'far-stream-warm');
      const again = await streamedRun(warm);
      expectOk(again);
      expect(again.stderr).toBe(r.stderr);
      expect(again.stderr).toMatch(/1 problem\(s\) .* skipped/);
      expect(readFileSync(join(warm, 'fills.csv'), 'utf8')).toBe(readFileSync(join(out, 'fills.csv'), 'utf8'));
    },
    CASE_MS * 3,
  );

  it(
    'a print far below the book (half the best bid) is caught too',
    async () => {
      const m = tardisMarket(tmp, { prefix: 'low' });
      editLine(m.tradesFile, 41, (line) => line.replace(/,[\d.]+,0\.1$/, ',0.01,0.1'));
      expectUserError(
        await cli(['data', 'validate', m.bookFile, m.tradesFile, '--on-error', 'stop']),
        /price 0\.01 is far outside the book, below half the best bid/,
      );
    },
    CASE_MS,
  );

  it(
    'a replay longer than its data: refused under stop; under skip it ends where the data does',
    async () => {
      const m = tardisMarket(tmp, { prefix: 'short', seconds: 60 });
      expectUserError(
        await cli(['backtest', replayScenario(tmp, [m.bookFile, m.tradesFile], { durationSeconds: 3600 }), '--out', join(tmp, 'long')]),
        /durationSeconds 3600: runs past the end of the data \(the data spans 60\.\d s/,
      );
      const out = join(tmp, 'long-skip');
      const r = await cli([
        'backtest',
        replayScenario(tmp, [m.bookFile, m.tradesFile], { durationSeconds: 3600 }, { onError: 'skip' }),
        '--quiet',
        '--out',
        out,
      ]);
      expectOk(r);
      expect(r.stderr).toMatch(/warning: durationSeconds 3600 runs past the end of the data .*: the run ends where the data does/);
      expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).period.seconds).toBeLessThanOrEqual(61);
    },
    CASE_MS,
  );

  it(
    'duplicated rows are reported; trades without an id (which cannot be told apart) are not',
    async () => {
      const m = tardisMarket(tmp, { prefix: 'dup' });
      const lines = readFileSync(m.tradesFile, 'utf8').split('\n');
      lines.splice(12, 0, lines[11]);
      writeFileSync(m.tradesFile, lines.join('\n'));
      expectUserError(
        await cli(['data', 'validate', m.tradesFile, '--on-error', 'stop']),
        /dup_trades\.csv:13: duplicate of line 12 \(the same row twice; expected each row once\)/,
      );
      const bookLines = readFileSync(m.bookFile, 'utf8').split('\n');
      bookLines.splice(20, 0, bookLines[19]);
      writeFileSync(m.bookFile, bookLines.join('\n'));
      const all = await cli(['data', 'validate', m.bookFile, m.tradesFile]);
      expect(all.stdout).toMatch(/dup_incremental_book_L2\.csv:21: duplicate of line 20/);
      expect(all.stdout).toMatch(/dup_trades\.csv:13: duplicate of line 12/);
      const noIds = tardisMarket(tmp, { prefix: 'noid' });
      const t = readFileSync(noIds.tradesFile, 'utf8')
        .split('\n')
        .map((l, i) => (i === 0 ? l : l.replace(/^(x,[^,]+,\d+,\d+),\d+,/, '$1,,')));
      t.splice(12, 0, t[11]);
      writeFileSync(noIds.tradesFile, t.join('\n'));
      expectOk(await cli(['data', 'validate', noIds.tradesFile]));
    },
    CASE_MS,
  );

  it(
    'a Binance raw capture: a repeated trade id and a trade 10 000 s ahead are problems',
    async () => {
      const ms = 1_700_000_000_000;
      const trade = (t: number, T: number, local: number) =>
        `${local * 1_000_000} {"stream":"btcusdt@trade","data":{"e":"trade","E":${T},"T":${T},"s":"BTCUSDT","t":${t},"p":"100.00","q":"0.100","m":true}}`;
      const file = join(tmp, 'capture.txt');
      writeFileSync(
        file,
        [trade(1, ms, ms + 5), trade(2, ms + 10, ms + 15), trade(2, ms + 10, ms + 16), trade(3, ms + 10_000_000, ms + 20)].join('\n'),
      );
      const r = await cli(['data', 'validate', file]);
      expect(r.stdout).toMatch(/capture\.txt:3: trade id 2: a duplicate/);
      expect(r.stdout).toMatch(/capture\.txt:4: trade time \d+: exchange time is 10000\.0 s after local time/);
      expectUserError(r, /2 problems/);
    },
    CASE_MS,
  );
});

describe('text details (class 7)', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = tempDir();
  });

  it(
    'a UTF-8 byte order mark at the start of a tardis CSV: detected, inspected and replayed like the file without it',
    async () => {
      const m = tardisMarket(tmp, { prefix: 'bom' });
      for (const f of [m.bookFile, m.tradesFile]) writeFileSync(f, `\uFEFF${readFileSync(f, 'utf8')}`);
      const inspect = await cli(['data', 'inspect', m.tradesFile]);
      expectOk(inspect);
      expect(inspect.stdout).toMatch(/format\s+tardis trades/);
      expectOk(await cli(['data', 'validate', m.bookFile, m.tradesFile]));
      expectOk(await cli(['backtest', replayScenario(tmp, [m.bookFile, m.tradesFile]), '--quiet', '--out', join(tmp, 'bom-run')]));
    },
    CASE_MS,
  );

  it(
    'a byte order mark before a Binance raw capture or a LOBSTER file',
    async () => {
      const raw = join(tmp, 'bom-capture.txt');
      writeFileSync(
        raw,
        `\uFEFF1700000000000000000 {"stream":"btcusdt@trade","data":{"e":"trade","E":1700000000000,"T":1700000000000,"s":"BTCUSDT","t":1,"p":"100.00","q":"0.100","m":true}}\n`,
      );
      const r = await cli(['data', 'inspect', raw]);
      expectOk(r);
      expect(r.stdout).toMatch(/format\s+binance-raw/);
      const lobster = join(tmp, 'message.csv');
      writeFileSync(lobster, `\uFEFF34200.004241176,1,16113575,18,5853300,1\n`);
      expect((await cli(['data', 'inspect', lobster, '--date', '2012-06-21'])).stderr).not.toMatch(/unknown data format/);
    },
    CASE_MS,
  );

  it(
    'a non-ASCII symbol prints as written',
    async () => {
      const m = tardisMarket(tmp, { symbol: 'BTC€ÜSD', prefix: 'unicode' });
      const r = await cli(['data', 'inspect', m.tradesFile]);
      expectOk(r);
      expect(r.stdout).toMatch(/symbol\s+BTC€ÜSD/);
      const json = await cli(['data', 'inspect', m.tradesFile, '--json']);
      expect(JSON.parse(json.stdout).reports[0].symbol).toBe('BTC€ÜSD');
    },
    CASE_MS,
  );

  it(
    'a JSON syntax error in a scenario or a live config names line and column, on one line',
    async () => {
      const scenario = join(tmp, 'broken.json');
      writeFileSync(scenario, '{\n  "name": "x",\n  "seed": 1,,\n  "market": {}\n}\n');
      expectUserError(await cli(['backtest', scenario]), /broken\.json:3:13: not valid JSON: /);
      const config = join(tmp, 'broken-config.json');
      writeFileSync(config, '{\n  "kind": "spreadlab-live-config"\n  "version": 1\n}');
      expectUserError(
        await cli(['live', '--config', config, '--paper']),
        /broken-config\.json:3:3: not valid JSON: Expected ',' or '}' after property value$/,
      );
      const truncated = join(tmp, 'truncated.json');
      writeFileSync(truncated, '{\n  "name": "x",\n  "market": {');
      expectUserError(await cli(['backtest', truncated]), /truncated\.json:3:14: not valid JSON: Expected property name or '}'$/);
      const trailing = join(tmp, 'trailing.json');
      writeFileSync(trailing, '{"name": "x"}\n}');
      expectUserError(
        await cli(['backtest', trailing]),
        /trailing\.json:2:1: not valid JSON: Unexpected non-whitespace character after JSON$/,
      );
    },
    CASE_MS,
  );

  it(
    'a byte order mark before a scenario file is skipped',
    async () => {
      const file = join(tmp, 'bom-scenario.json');
      writeFileSync(file, `\uFEFF${readFileSync('scenarios/demo.json', 'utf8').replace('"$schema": "./scenario.schema.json",', '')}`);
      expectOk(await cli(['backtest', file, '--set', 'durationSeconds=30', '--quiet', '--out', join(tmp, 'bom-scenario-run')]));
    },
    CASE_MS,
  );

  it(
    'an error whose text spans lines is printed as one line',
    async () => {
      // JSON.parse quotes the text it failed on; with a line break inside the quote the message had two lines
      const file = join(tmp, 'two-lines.json');
      writeFileSync(file, 'x\n{"a": 1}');
      const r = await cli(['backtest', file]);
      expectUserError(r, /two-lines\.json:1:1: not valid JSON: Unexpected token 'x'$/);
    },
    CASE_MS,
  );
});
