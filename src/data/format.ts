import type { MarketUnits } from '../core/market.ts';
import type { ColumnsSpill, EventColumns } from './columns.ts';
import type { ProblemLog } from './problems.ts';

/**
 * Data file formats: how recorded files of one kind are recognised, grouped and decoded into EventColumns.
 * Each format is one file exporting one FileFormat (made with defineFileFormat); the registry
 * (formats.ts) only lists them. Detection, replay, the cache, `data inspect|validate|convert` and the
 * scenario's `data.format` take every format from the registry, so a new format is one file plus one line
 * there.
 *
 * Rules common to every format:
 * - Detection (`format` "auto", detect.ts): every format's `detect.fileName` is tried on the file's name,
 *   in registry order, before the file is read; then the first line (after gunzip) is read once and every
 *   format's `detect.firstLine` is tried, in registry order. The first that matches wins; when none does,
 *   a SpreadlabError names the file and its first line and lists every format's `description`.
 * - Decode units: `group` splits the files of one format into the units decoded together (default: each
 *   file alone). Units are replayed and merged in the order of their first file among the inputs. A unit is
 *   the cache's unit: one entry per unit, keyed by the format's name, the reading options and every file.
 * - `decode` reads a unit whole into memory. `decodeChunked`, when a format has it, hands rows to a spill
 *   `rows` at a time, so a streamed replay decodes a unit of any length in fixed memory; a format without it
 *   is decoded whole once, on the first streamed read that finds no cache entry.
 * - Bad rows are reported to the ProblemLog as file:line:column (stop, skip or collect); anything that
 *   ends reading is a SpreadlabError naming the file.
 * Known limits: the reading options are one set shared by every format (`onGap` is Binance's, `date` and
 * `timezone` LOBSTER's): they are replay-level scenario keys and part of every cache key, so a format has
 * no settings of its own.
 */
export interface ReplayInput {
  path: string;
  /** The name shown in messages. */
  display: string;
}

/** What every format's decode is given besides the files. */
export interface ReadOptions {
  units: MarketUnits;
  problems: ProblemLog;
  /** Binance raw: a sequence gap stops the read, or empties the book until the next snapshot. */
  onGap: 'stop' | 'resync';
  /** LOBSTER: the trading day (YYYY-MM-DD) when the file name does not give it. */
  date?: string;
  /** LOBSTER: the exchange's time zone (times in the files are seconds after local midnight). */
  timezone: string;
  /**
   * Decode the order-by-order events too (ORDER rows), for a queue model that reads them; only formats
   * with `orderEvents` have them (default false: book, trades and quotes only).
   */
  orderEvents?: boolean;
}

/** The decoded content of one decode unit (one tardis file, one Binance chain, one LOBSTER pair). */
export interface Decoded {
  columns: EventColumns;
  /** The format as decoded, for people (e.g. `tardis trades`, `binance-raw futures`, `lobster level 10`). */
  format: string;
  symbol: string;
  lines: number;
  dropped: number;
  gaps: number;
}

export interface FileFormat<Name extends string = string> {
  /** The name `data.format` and `--format` use. */
  name: Name;
  /** What a file of this format looks like, as the unknown-format error lists it ("expected …"). */
  description: string;
  /** Whether its files carry order-by-order events, decoded when ReadOptions.orderEvents asks. */
  orderEvents?: boolean;
  /** How a file is recognised; see the rules above. */
  detect: {
    fileName?(name: string): boolean;
    firstLine?(line: string): boolean;
  };
  /** The decode units of this format's files, given in the inputs' order (default: each file alone). */
  group?(files: ReplayInput[]): ReplayInput[][];
  /** Decodes one unit whole. */
  decode(files: ReplayInput[], options: ReadOptions): Promise<Decoded>;
  /** Decodes one unit handing every `rows` rows to `spill`; the returned columns hold the rest. */
  decodeChunked?(files: ReplayInput[], options: ReadOptions, rows: number, spill: ColumnsSpill): Promise<Decoded>;
  /**
   * What `decodeChunked` will give, estimated from the files' start: about how many rows at most, and whether
   * price2/size2 are used; null when the start tells nothing. The cache then writes the unit's columns in
   * place, with room for that many rows (cache.ts ChunkedCacheWriter); a short estimate, or one far too
   * long, costs the copy a unit written without one takes.
   */
  estimate?(files: ReplayInput[]): { rowsAtMost: number; secondValues: boolean } | null;
  /** The exchange `data convert` names in its output when --exchange is not given. */
  exchange(files: ReplayInput[]): string;
}

/** A format typed by its name (so the registry's names form a union). */
export function defineFileFormat<const Name extends string>(format: FileFormat<Name>): FileFormat<Name> {
  return format;
}
