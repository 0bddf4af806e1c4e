import type { z } from 'zod';
import { SpreadlabError } from './errors.ts';

/**
 * How a schema's complaints read to a user: one line per problem, `source: json.path: what was expected`,
 * e.g. `scenarios/demo.json: strategy.spreadBps: expected number, got string`.
 */
export function schemaProblems(source: string, error: z.ZodError, prefix: (string | number)[] = []): string {
  return error.issues.map((issue) => `${source}: ${formatPath([...prefix, ...issue.path])}: ${describeIssue(issue)}`).join('\n');
}

/** The user error of a schema's complaints: the lines of schemaProblems, each place also as data (code "invalid-scenario"). */
export function schemaError(source: string, error: z.ZodError, prefix: (string | number)[] = []): SpreadlabError {
  return new SpreadlabError(schemaProblems(source, error, prefix), {
    code: 'invalid-scenario',
    locations: error.issues.map((issue) => {
      const path = [...prefix, ...issue.path];
      return {
        file: source,
        path: path.length === 0 ? '' : formatPath(path),
        message: `${source}: ${formatPath(path)}: ${describeIssue(issue)}`,
      };
    }),
  });
}

export function formatPath(path: (string | number)[]): string {
  return path.length === 0
    ? '(top level)'
    : path
        .map((p) => (typeof p === 'number' ? `[${p}]` : p))
        .join('.')
        .replace(/\.\[/g, '[');
}

export function describeIssue(issue: z.ZodIssue): string {
  if (issue.code === 'custom') return issue.message;
  if (issue.code === 'unrecognized_keys') return `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_union_discriminator') return `expected one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}`;
  // an integer expected, a float got: the number's own bound says it better (core/bounds.ts), when it has one
  if (issue.code === 'invalid_type' && !(issue.expected === 'integer' && issue.message.startsWith('expected a whole number')))
    return `expected ${issue.expected}, got ${issue.received}`;
  return issue.message;
}
