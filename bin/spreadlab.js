#!/usr/bin/env node
// The installed command runs the bundled JavaScript in dist/ (built by `npm install` through the prepare
// script, or `npm run build`; scripts/bundle.mjs): dist/cli/main.js, the command line, which loads the
// engine's chunks (shared with dist/index.js, what `import … from 'spreadlab'` loads) as its commands need
// them. `npm run spreadlab -- …` runs the TypeScript sources instead.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('spreadlab: dist/ is missing: run `npm run build` in the spreadlab folder (npm install does it)\n');
  process.exit(1);
}
await import(main.href);
