import type { FileFormat } from './format.ts';

/** A registry entry: the format's module, imported when first needed; its key must be the format's name. */
type FormatModules<T> = { [Name in keyof T]: () => Promise<FileFormat<Name & string>> };

function listFormats<T extends FormatModules<T>>(formats: T): T {
  return formats;
}

/**
 * The data file formats (rules for all of them in format.ts, each format's own in its file's header), by
 * name, each loaded when first needed (a run of synthetic data loads no reader); the order is the detection
 * order.
 */
export const FILE_FORMATS = listFormats({
  tardis: async () => (await import('./tardis/reader.ts')).tardisFormat,
  'binance-raw': async () => (await import('./binance/raw.ts')).binanceRawFormat,
  lobster: async () => (await import('./lobster/reader.ts')).lobsterFormat,
});

export type FormatName = keyof typeof FILE_FORMATS;

/** The formats' names in detection order. */
export const FORMAT_NAMES = Object.keys(FILE_FORMATS) as FormatName[];

/** Every format, loaded, in detection order. */
export function loadFileFormats(): Promise<FileFormat<FormatName>[]> {
  return Promise.all(FORMAT_NAMES.map((name) => FILE_FORMATS[name]()));
}
