import { readFileSync } from 'node:fs';
import { SpreadlabError } from './errors.ts';

/**
 * Reads and parses a JSON file. A file that cannot be read, or is not JSON, is a user error naming the file
 * (and, for an unreadable one, `what` it should have held); checking the parsed value is the caller's part.
 */
export function readJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SpreadlabError(`${file}: cannot read ${what} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SpreadlabError(`${file}: not valid JSON: ${(error as Error).message}`);
  }
}
