import { appendFileSync, existsSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { SpreadlabError } from '../core/errors.ts';
import { readJsonFile } from '../core/json-file.ts';
import { asOutputError, writeFileAtomically } from '../core/output.ts';
import { csvText } from './flatten.ts';
import type { ResultRow } from './objective.ts';

/**
 * A sweep folder's record of finished runs, so a killed sweep resumes where it stopped.
 *
 * Rules:
 * - sweep.json describes the sweep (scenario, overrides, run list hash); a folder that holds a different
 *   sweep is refused rather than mixed.
 * - runs.jsonl gets one line per finished run, written with a single append: a run is either wholly in the
 *   journal or not at all. A last line cut short by a kill is dropped (and rewritten away) on resume, so no
 *   finished run is lost or counted twice, and the run is simply done again. An append that fails (a full
 *   disk) is cut back to the journal's previous length before the error is raised, so no torn line is
 *   left behind either.
 *   Merging shards writes the merged folder's whole journal at once, atomically.
 * - results.csv is written only from the journal, in run-index order, under a temporary name renamed into
 *   place: it never shows a half-written row, and it is the same whatever order runs finished in.
 */
export const JOURNAL = 'runs.jsonl';
export const MANIFEST = 'sweep.json';
export const RESULTS = 'results.csv';

export interface JournalEntry {
  index: number;
  row: [string, unknown][];
}

export function checkManifest(dir: string, manifest: { runListHash: string } & Record<string, unknown>): void {
  const file = join(dir, MANIFEST);
  if (existsSync(file)) {
    const existing = readJsonFile(file, 'sweep manifest') as { runListHash?: string };
    if (existing.runListHash !== manifest.runListHash) {
      throw new SpreadlabError(`${dir} holds a different sweep (${MANIFEST} differs): choose another --out or remove the folder`);
    }
    return;
  }
  writeAtomically(file, `${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * Reads finished runs, ignoring a torn last line; `repair` (only under the folder's lock) also rewrites the
 * file without it, so appends continue from an intact line.
 */
export function readJournal(dir: string, { repair }: { repair: boolean } = { repair: false }): Map<number, JournalEntry> {
  const file = join(dir, JOURNAL);
  const entries = new Map<number, JournalEntry>();
  if (!existsSync(file)) return entries;
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  let intact = '';
  for (const line of lines) {
    if (line === '') continue;
    try {
      const entry = JSON.parse(line) as JournalEntry;
      if (!entries.has(entry.index)) {
        entries.set(entry.index, entry);
        intact += `${line}\n`;
      }
    } catch {
      break; // a line cut by a kill: everything after it is discarded too
    }
  }
  if (repair && intact !== text) writeAtomically(file, intact);
  return entries;
}

export function appendJournal(dir: string, entry: JournalEntry): void {
  const file = join(dir, JOURNAL);
  const before = existsSync(file) ? statSync(file).size : 0;
  try {
    appendFileSync(file, journalLine(entry));
  } catch (error) {
    try {
      if (existsSync(file)) truncateSync(file, before);
    } catch {
      /* the torn line, if any, is dropped on resume (readJournal) */
    }
    throw asOutputError(file, error);
  }
}

/** Writes a whole journal at once (a merged sweep's). */
export function writeJournal(dir: string, entries: JournalEntry[]): void {
  writeAtomically(join(dir, JOURNAL), entries.map(journalLine).join(''));
}

function journalLine(entry: JournalEntry): string {
  return `${JSON.stringify(entry)}\n`;
}

export function rowObject(entry: JournalEntry): ResultRow {
  return Object.fromEntries(entry.row);
}

/** results.csv from journal entries: columns in first-seen order over runs in index order. */
export function writeResults(dir: string, entries: JournalEntry[]): void {
  const sorted = [...entries].sort((a, b) => a.index - b.index);
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const entry of sorted) {
    for (const [key] of entry.row) {
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
  }
  const rows = sorted.map((entry) => {
    const row = rowObject(entry);
    return columns.map((c) => row[c]);
  });
  writeAtomically(join(dir, RESULTS), csvText([columns, ...rows]));
}

export const writeAtomically = writeFileAtomically;
