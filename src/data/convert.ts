import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { FLAG_ASK, FLAG_SNAPSHOT_START, Kind, type EventColumns } from './columns.ts';
import { stepScale } from './decimal.ts';
import { TARDIS_HEADERS } from './tardis/reader.ts';
import { asOutputError, openOutputFolder } from '../core/output.ts';
import { withOutputLock } from '../core/output-lock.ts';

/**
 * Writing decoded events as tardis.dev CSV.gz (`data convert --to tardis`).
 *
 * Rules:
 * - Three files: <prefix>_incremental_book_L2.csv.gz, _trades.csv.gz, _quotes.csv.gz (a file only when
 *   there are rows of its kind). Book rows keep their message grouping through local_timestamp (a snapshot
 *   row is is_snapshot=true), so reading the output back gives the same book after every message — as
 *   long as two messages never share one localTs (tardis cannot tell them apart).
 * - Decimals are printed exactly from ticks/lots at the step's decimals, trailing zeros trimmed.
 * - Trade ids are the row number (the inputs' ids are not kept); unknown exchange is written as given.
 * - The folder is a spreadlab data folder (core/output.ts: new, empty, or one spreadlab wrote), locked while
 *   it is written; each file is written under a temporary name and renamed into place (removed on failure).
 * Known limits: a snapshot that follows a delta at the same localTs would be merged into the delta's message
 * by a tardis reader; the reset still happens (a new is_snapshot run resets).
 */
export async function writeTardis(c: EventColumns, out: TardisOutput): Promise<string[]> {
  return withOutputLock(out.dir, 'writing tardis files', () => {
    openOutputFolder(out.dir, 'data');
    return writeTardisFiles(c, out);
  });
}

export interface TardisOutput {
  dir: string;
  prefix: string;
  exchange: string;
  symbol: string;
  tickSize: number;
  lotSize: number;
}

async function writeTardisFiles(c: EventColumns, out: TardisOutput): Promise<string[]> {
  const tick = stepScale(out.tickSize, 'tickSize');
  const lot = stepScale(out.lotSize, 'lotSize');
  const fmt = (steps: number, s: { decimals: number; step: number }) => {
    if (Number.isNaN(steps)) return '';
    const text = (steps * s.step).toFixed(s.decimals);
    return s.decimals > 0 ? text.replace(/\.?0+$/, '') : text;
  };
  const head = `${out.exchange},${out.symbol}`;
  const written: string[] = [];
  const kinds = [
    { type: 'incremental_book_L2', test: (k: number) => k === Kind.DELTA || k === Kind.SNAPSHOT },
    { type: 'trades', test: (k: number) => k === Kind.TRADE },
    { type: 'quotes', test: (k: number) => k === Kind.QUOTE },
  ] as const;
  for (const { type, test } of kinds) {
    let any = false;
    for (let i = 0; i < c.length && !any; i++) any = test(c.kind[i]);
    if (!any) continue;
    const path = join(out.dir, `${out.prefix}_${type}.csv.gz`);
    async function* lines(): AsyncGenerator<string> {
      yield `${TARDIS_HEADERS[type]}\n`;
      let batch = '';
      let inSnapshot = false;
      for (let i = 0; i < c.length; i++) {
        const k = c.kind[i];
        if (!test(k)) continue;
        const ts = `${c.exchTs[i]},${c.localTs[i]}`;
        const ask = (c.flags[i] & FLAG_ASK) !== 0;
        if (type === 'incremental_book_L2') {
          if (k === Kind.SNAPSHOT && (c.flags[i] & FLAG_SNAPSHOT_START) !== 0) inSnapshot = true;
          if (k === Kind.DELTA) inSnapshot = false;
          batch += `${head},${ts},${inSnapshot ? 'true' : 'false'},${ask ? 'ask' : 'bid'},${fmt(c.price[i], tick)},${fmt(c.size[i], lot)}\n`;
        } else if (type === 'trades') {
          batch += `${head},${ts},${i},${ask ? 'sell' : 'buy'},${fmt(c.price[i], tick)},${fmt(c.size[i], lot)}\n`;
        } else {
          const hasAsk = !Number.isNaN(c.price2[i]);
          const hasBid = !Number.isNaN(c.price[i]);
          batch += `${head},${ts},${hasAsk ? fmt(c.size2[i], lot) : ''},${fmt(c.price2[i], tick)},${fmt(c.price[i], tick)},${hasBid ? fmt(c.size[i], lot) : ''}\n`;
        }
        if (batch.length > 1 << 16) {
          yield batch;
          batch = '';
        }
      }
      if (batch) yield batch;
    }
    const partial = join(dirname(path), `.${basename(path)}.partial`);
    try {
      await pipeline(Readable.from(lines()), createGzip(), createWriteStream(partial));
      renameSync(partial, path);
    } catch (error) {
      rmSync(partial, { force: true });
      throw asOutputError(path, error);
    }
    written.push(path);
  }
  return written;
}
