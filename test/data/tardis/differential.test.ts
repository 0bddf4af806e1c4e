import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { describe, expect, it } from 'vitest';
import { FLAG_ASK, FLAG_LAST, Kind } from '../../../src/data/columns.ts';
import { ProblemLog } from '../../../src/data/problems.ts';
import { readTardisFile } from '../../../src/data/tardis/reader.ts';
import { BTC_TARDIS, units } from '../helpers.ts';

/**
 * The fast tardis reader against csv-parse (the reference) on the real BTCUSDT files: every row, every
 * field. The reference converts decimals with MarketUnits (float division and rounding), an independent
 * path from the reader's exact digit parsing.
 */
const u = units(0.01, 0.000001);

async function reference(path: string): Promise<string[][]> {
  const rows: string[][] = [];
  const parser = createReadStream(path).pipe(createGunzip()).pipe(parse({ from_line: 2 }));
  for await (const record of parser) rows.push(record as string[]);
  return rows;
}

describe('tardis fast path = csv-parse reference on real files', () => {
  it('incremental_book_L2: every row, side, price, size, time and message end', async () => {
    const path = `${BTC_TARDIS}incremental_book_L2.csv.gz`;
    const [ref, ours] = await Promise.all([reference(path), readTardisFile(path, { units: u, problems: new ProblemLog(), display: 'l2' })]);
    const c = ours.columns;
    expect(c.length).toBe(ref.length);
    expect(ref.length).toBe(300_094);
    let mismatches = 0;
    for (let i = 0; i < ref.length; i++) {
      const r = ref[i];
      const lastOfMessage = i + 1 === ref.length || ref[i + 1][3] !== r[3];
      const ok =
        c.kind[i] === (r[4] === 'true' ? Kind.SNAPSHOT : Kind.DELTA) &&
        ((c.flags[i] & FLAG_ASK) !== 0) === (r[5] === 'ask') &&
        ((c.flags[i] & FLAG_LAST) !== 0) === lastOfMessage &&
        c.exchTs[i] === Number(r[2]) &&
        c.localTs[i] === Number(r[3]) &&
        c.price[i] === u.toTicks(Number(r[6])) &&
        c.size[i] === u.toLots(Number(r[7]));
      if (!ok && mismatches++ < 5) expect.soft(`row ${i + 2}: ${r.join(',')}`).toBe('equal');
    }
    expect(mismatches).toBe(0);
  });

  it('trades and quotes: every row', async () => {
    for (const type of ['trades', 'quotes'] as const) {
      const path = `${BTC_TARDIS}${type}.csv.gz`;
      const [ref, ours] = await Promise.all([reference(path), readTardisFile(path, { units: u, problems: new ProblemLog(), display: type })]);
      const c = ours.columns;
      expect(c.length).toBe(ref.length);
      let mismatches = 0;
      for (let i = 0; i < ref.length; i++) {
        const r = ref[i];
        const ok =
          type === 'trades'
            ? c.kind[i] === Kind.TRADE && ((c.flags[i] & FLAG_ASK) !== 0) === (r[5] === 'sell') && c.price[i] === u.toTicks(Number(r[6])) && c.size[i] === u.toLots(Number(r[7]))
            : c.kind[i] === Kind.QUOTE && c.size2[i] === u.toLots(Number(r[4])) && c.price2[i] === u.toTicks(Number(r[5])) && c.price[i] === u.toTicks(Number(r[6])) && c.size[i] === u.toLots(Number(r[7]));
        if (!(ok && c.exchTs[i] === Number(r[2]) && c.localTs[i] === Number(r[3])) && mismatches++ < 5) expect.soft(`${type} row ${i + 2}: ${r.join(',')}`).toBe('equal');
      }
      expect(mismatches).toBe(0);
    }
  });
});
