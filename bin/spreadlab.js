#!/usr/bin/env node
// The installed command runs the compiled JavaScript in dist/ (built by `npm install` through the prepare
// script, or `npm run build`): the command line bundled into dist/cli-bundle/ (scripts/bundle-cli.mjs), which
// loads the tsc-built engine in dist/ as its commands need it. `npm run spreadlab -- …` runs the TypeScript
// sources instead.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli-bundle/spreadlab.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('spreadlab: dist/ is missing: run `npm run build` in the spreadlab folder (npm install does it)\n');
  process.exit(1);
}
await import(main.href);
