import { join } from 'node:path';
import type { Argv } from 'yargs';
import { SpreadlabError } from '../core/errors.ts';
import { checkOutputFile, writeOutputFile } from '../core/output.ts';
import { isSpreadlabPage } from '../report/html.ts';
import { renderComparison, renderRunReport } from '../report/html.ts';
import { loadRun } from '../report/load-run.ts';
import { RUN_FILE } from '../report/run-files.ts';

export interface ReportArgs {
  runs: string[];
  out?: string;
  quiet: boolean;
}

export function reportOptions(yargs: Argv): Argv<ReportArgs> {
  return yargs
    .positional('runs', { type: 'string', array: true, demandOption: true, describe: 'run folder(s) written by spreadlab backtest' })
    .option('out', {
      type: 'string',
      describe: `HTML file to write (default: RUN_DIR/${RUN_FILE.report} for one run, compare.html for several)`,
    })
    .option('quiet', { type: 'boolean', default: false, describe: 'print nothing but errors' })
    .example('$0 report reports/demo-1', `re-render reports/demo-1/${RUN_FILE.report} from its saved outputs`)
    .example('$0 report reports/demo-1 reports/demo-2 --out cmp.html', 'compare runs side by side') as Argv<ReportArgs>;
}

/** Renders one run's report, or a comparison of several, from saved run folders (no re-simulation). */
export async function reportCommand(args: ReportArgs): Promise<void> {
  const dirs = args.runs;
  if (dirs.length === 0) throw new SpreadlabError('name at least one run folder, e.g. spreadlab report reports/demo-1');
  const out = args.out ?? (dirs.length === 1 ? join(dirs[0], RUN_FILE.report) : 'compare.html');
  checkOutputFile(out, 'the report', isSpreadlabPage);
  const runs = dirs.map((dir) => loadRun(dir));
  const html = runs.length === 1 ? renderRunReport(runs[0]) : renderComparison(runs);
  writeOutputFile(out, html);
  if (!args.quiet)
    process.stdout.write(
      `wrote ${out} (${runs.length === 1 ? 'run report' : `comparison of ${runs.length} runs`}, ${(html.length / 1e6).toFixed(1)} MB, opens offline)\n`,
    );
}
