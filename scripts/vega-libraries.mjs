// The vega libraries of report pages, prepared once: `npm run build` runs this after tsc.
//
// Every report.html inlines vega, vega-lite and vega-embed (about 830 KB). The compiled report module
// (dist/report/html.js) reads them as one file written here beside it, dist/report/vega-libraries.html,
// instead of resolving the three packages, reading them and escaping them on every run; the text is what
// the module composes from the packages itself (composeLibraryScripts, which it still does when run from
// the TypeScript sources), so the pages are byte-identical either way.
import { writeFileSync } from 'node:fs';

const { LIBRARY_ASSET, composeLibraryScripts } = await import('../dist/report/html.js');
writeFileSync(new URL(`../dist/report/${LIBRARY_ASSET}`, import.meta.url), composeLibraryScripts());
