import { binanceRawFormat } from './binance/raw.ts';
import { lobsterFormat } from './lobster/reader.ts';
import { tardisFormat } from './tardis/reader.ts';

/** The data file formats (rules for all of them in format.ts, each format's own in its file's header); the order is the detection order. */
export const FILE_FORMATS = [tardisFormat, binanceRawFormat, lobsterFormat] as const;

export type FormatName = (typeof FILE_FORMATS)[number]['name'];
