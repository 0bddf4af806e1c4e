// The vega libraries of report pages, prepared once: `npm run build` runs this after the bundle.
//
// Every report.html inlines vega, vega-lite and vega-embed (about 830 KB). The bundled report code reads
// them as one file written here, dist/report/vega-libraries.html, instead of resolving the three packages,
// reading them and escaping them on every run; the text is what the report module composes from the
// packages itself (composeLibraryScripts, loaded from the TypeScript sources through tsx here, and called
// on every run from the sources), so the pages are byte-identical either way.
import { mkdirSync, writeFileSync } from 'node:fs';
import { tsImport } from 'tsx/esm/api';

const { LIBRARY_ASSET, composeLibraryScripts } = await tsImport('../src/report/html.ts', import.meta.url);
const asset = new URL(`../dist/report/${LIBRARY_ASSET}`, import.meta.url);
mkdirSync(new URL('./', asset), { recursive: true });
writeFileSync(asset, composeLibraryScripts());
