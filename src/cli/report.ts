import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { SpreadlabError } from '../core/errors.ts';
import { checkOutputFile, checkOutputFolder, folderKind, writeOutputFile } from '../core/output.ts';
import { withOutputLock } from '../core/output-lock.ts';
import { say, type CommandResult } from './output.ts';

export interface ReportArgs {
  runs: string[];
  out?: string;
  quiet: boolean;
}

/** Loads the run files' names (run-files.ts, with its zod schemas) only when the command is named. */
export async function reportOptions(yargs: Argv): Promise<Argv<ReportArgs>> {
  const { RUN_FILE } = await import('../report/run-files.ts');
  return yargs
    .positional('runs', {
      type: 'string',
      array: true,
      demandOption: true,
      describe: 'run folder(s) written by spreadlab backtest, or one sweep, tune or walk-forward folder',
    })
    .option('out', {
      type: 'string',
      describe: `HTML file to write (default: RUN_DIR/${RUN_FILE.report} for one run, compare.html for several)`,
    })
    .option('quiet', { type: 'boolean', default: false, describe: 'print nothing but errors' })
    .example('$0 report reports/demo-1', `re-render reports/demo-1/${RUN_FILE.report} from its saved outputs`)
    .example('$0 report reports/demo-1 reports/demo-2 --out cmp.html', 'compare runs side by side')
    .example(
      '$0 report reports/sweep-demo',
      "re-render a sweep or tune folder's sweep.html (or a walk-forward folder's walkforward.html)",
    ) as Argv<ReportArgs>;
}

/**
 * Renders one run's report, or a comparison of several, from saved run folders (no re-simulation); given a
 * sweep, tune or walk-forward folder, re-renders its page from its saved files. The implementation is loaded
 * when the command runs.
 */
export async function reportCommand(args: ReportArgs): Promise<CommandResult> {
  const { isSpreadlabPage } = await import('../report/html.ts');
  const { reportBytes, renderRunComparison } = await import('../report/run-report.ts');
  const { loadRun } = await import('../report/load-run.ts');
  const { RUN_FILE } = await import('../report/run-files.ts');
  const dirs = args.runs;
  if (dirs.length === 0) throw new SpreadlabError('name at least one run folder, e.g. spreadlab report reports/demo-1');
  const folderPage = await Promise.all(dirs.map(sweepFolderPage));
  if (folderPage.some((page) => page !== null)) {
    if (dirs.length > 1 || args.out !== undefined)
      throw new SpreadlabError(
        `${dirs[folderPage.findIndex((p) => p !== null)]}: a sweep or walk-forward folder is re-rendered alone, in place (no --out, no other folders)`,
      );
    const dir = dirs[0];
    const kind = folderKind(dir);
    if (kind !== 'sweep' && kind !== 'tune' && kind !== 'walk-forward')
      throw new SpreadlabError(`${dir}: not a folder spreadlab wrote (no sweep, tune or walk-forward marker): not re-rendering its page`);
    checkOutputFolder(dir, kind);
    const out = await withOutputLock(dir, 're-rendering its page', () => folderPage[0]!(dir));
    if (!args.quiet) say(`wrote ${out}\n`);
    return { command: 'report', kind, out, files: [out] };
  }
  const out = args.out ?? (dirs.length === 1 ? join(dirs[0], RUN_FILE.report) : 'compare.html');
  checkOutputFile(out, 'the report', isSpreadlabPage);
  const runs = dirs.map((dir) => loadRun(dir));
  const page = runs.length === 1 ? reportBytes(runs[0]) : [Buffer.from(renderRunComparison(runs))];
  writeOutputFile(out, page);
  if (!args.quiet)
    say(
      `wrote ${out} (${runs.length === 1 ? 'run report' : `comparison of ${runs.length} runs`}, ${(page.reduce((bytes, piece) => bytes + piece.length, 0) / 1e6).toFixed(1)} MB, opens offline)\n`,
    );
  return { command: 'report', kind: runs.length === 1 ? 'run' : 'comparison', runs: dirs, out, files: [out] };
}

/** The re-render function of a walk-forward or sweep (or tune) folder, or null for anything else. */
async function sweepFolderPage(dir: string): Promise<((dir: string) => string) | null> {
  const { WALK_FORWARD, writeWalkForwardPage } = await import('../sweep/walk-forward.ts');
  const { BEST, rerenderSweepFolder } = await import('../sweep/views.ts');
  if (existsSync(join(dir, WALK_FORWARD.record))) return writeWalkForwardPage;
  if (existsSync(join(dir, BEST))) return rerenderSweepFolder;
  return null;
}
