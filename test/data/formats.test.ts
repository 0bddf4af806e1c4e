import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { detectFormat } from '../../src/data/detect.ts';
import { FILE_FORMATS, FORMAT_NAMES, loadFileFormats, type FormatName } from '../../src/data/formats.ts';
import { replaySource } from '../../src/data/replay-source.ts';
import { groupInputs } from '../../src/data/replay.ts';
import { BTC_TARDIS, SHARED, writeTemp } from './helpers.ts';

/** One real file of every registered format (a new format needs one here, or this does not compile). */
const SAMPLES: Record<FormatName, string> = {
  tardis: `${BTC_TARDIS}trades.csv.gz`,
  'binance-raw': join(SHARED, 'binance-raw/spot/btcusdt_20240808.gz'),
  lobster: join(SHARED, 'lobster/GOOG_2012-06-21_34200000_57600000_message_1.csv'),
};

const input = (path: string) => ({ path, display: path });

const FORMATS = await loadFileFormats();

describe('the file format registry drives detection, grouping and the format setting', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('data.format accepts "auto" and exactly the registered names, in registry order', () => {
    expect(FORMAT_NAMES).toEqual(['tardis', 'binance-raw', 'lobster']);
    expect(FORMATS.map((format) => format.name)).toEqual(FORMAT_NAMES);
    expect(replaySource.params.shape.format.removeDefault().options).toEqual(['auto', ...FORMAT_NAMES]);
  });

  it('the registry loads each format by its name', async () => {
    for (const name of FORMAT_NAMES) expect((await FILE_FORMATS[name]()).name).toBe(name);
  });

  it('every registered format detects its own sample', () => {
    for (const format of FORMATS) expect(detectFormat(SAMPLES[format.name]).name).toBe(format.name);
  });

  it('an unknown file is tried by every file-name test, then every first-line test, in registry order, and the error lists every format', () => {
    const tried: string[] = [];
    for (const format of FORMATS) {
      const { fileName, firstLine } = format.detect;
      if (fileName) vi.spyOn(format.detect, 'fileName').mockImplementation((name) => (tried.push(`${format.name} name`), fileName(name)));
      if (firstLine) vi.spyOn(format.detect, 'firstLine').mockImplementation((line) => (tried.push(`${format.name} line`), firstLine(line)));
    }
    const path = writeTemp('mystery.txt', 'hello world\n');
    expect(() => detectFormat(path, 'mystery.txt')).toThrow(
      'mystery.txt:1: unknown data format, first line "hello world" (expected a tardis.dev CSV header, a Binance raw capture line "<local_ns> {json}", or LOBSTER message/orderbook CSV)',
    );
    expect(tried).toEqual([
      ...FORMATS.filter((format) => format.detect.fileName).map((format) => `${format.name} name`),
      ...FORMATS.filter((format) => format.detect.firstLine).map((format) => `${format.name} line`),
    ]);
    expect(tried).toEqual(['lobster name', 'tardis line', 'binance-raw line', 'lobster line']);
  });

  it('each format groups its own files; units keep the order of their first file among the inputs', () => {
    const lobsterBook = join(SHARED, 'lobster/GOOG_2012-06-21_34200000_57600000_orderbook_1.csv');
    const [trades, spot8, book, spot9, quotes] = [
      `${BTC_TARDIS}trades.csv.gz`,
      join(SHARED, 'binance-raw/spot/btcusdt_20240808.gz'),
      lobsterBook,
      join(SHARED, 'binance-raw/spot/btcusdt_20240809.gz'),
      `${BTC_TARDIS}quotes.csv.gz`,
    ].map(input);
    const units = groupInputs([trades, spot8, book, spot9, quotes], { format: 'auto' });
    expect(units.map((unit) => [unit.format.name, unit.files.map((file) => file.path)])).toEqual([
      ['tardis', [trades.path]],
      ['binance-raw', [spot8.path, spot9.path]],
      ['lobster', [SAMPLES.lobster, lobsterBook]],
      ['tardis', [quotes.path]],
    ]);
  });

  it('a named format is used for every file without detection', () => {
    const detectors = FORMATS.flatMap((format) => [
      ...(format.detect.fileName ? [vi.spyOn(format.detect, 'fileName')] : []),
      ...(format.detect.firstLine ? [vi.spyOn(format.detect, 'firstLine')] : []),
    ]);
    const units = groupInputs([input(SAMPLES.tardis)], { format: 'tardis' });
    expect(units.map((unit) => unit.format.name)).toEqual(['tardis']);
    for (const detector of detectors) expect(detector).not.toHaveBeenCalled();
  });
});
