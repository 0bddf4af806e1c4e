import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../spawn-cli.ts';

/**
 * deploy/sweep-indexed-job.yaml, run here as the Job runs it: its container's command line through `sh -c`,
 * with the environment the Job sets (its env entries, and JOB_COMPLETION_INDEX per pod), in its workingDir
 * (the repository root stands for the image's /app) with `spreadlab` on PATH (the image links it), for two
 * shard indices; then `spreadlab sweep-merge` of their folders. Two changes only, to keep the suite fast:
 * the Job's shard count becomes 2 (completions and SPREADLAB_SHARDS alike), and every run is cut to 10
 * simulated seconds (`--set durationSeconds=10` appended). /out is a temporary folder.
 */
interface Container {
  workingDir: string;
  env: { name: string; value: string }[];
  command: string[];
  args: string[];
  image: string;
}

const manifest = parse(readFileSync(join(ROOT, 'deploy/sweep-indexed-job.yaml'), 'utf8'));
const job = manifest.spec;
const container: Container = job.template.spec.containers[0];
const out = mkdtempSync(join(tmpdir(), 'spreadlab-job-'));
const bin = mkdtempSync(join(tmpdir(), 'spreadlab-path-'));
writeFileSync(join(bin, 'spreadlab'), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin/spreadlab.js')}" "$@"\n`);
chmodSync(join(bin, 'spreadlab'), 0o755);
afterAll(() => {
  rmSync(out, { recursive: true, force: true });
  rmSync(bin, { recursive: true, force: true });
});

const SHARDS = 2;

function runPod(index: number): void {
  const env: Record<string, string> = {
    PATH: `${bin}:${process.env.PATH}`,
    HOME: process.env.HOME ?? '/tmp',
    JOB_COMPLETION_INDEX: String(index),
  };
  for (const { name, value } of container.env) env[name] = name === 'SPREADLAB_SHARDS' ? String(SHARDS) : value;
  const [shell, flag] = container.command;
  const line = `${container.args.join(' ').replaceAll('/out/', `${out}/`)} --set durationSeconds=10`;
  const result = spawnSync(shell, [flag, line], { cwd: ROOT, env, encoding: 'utf8', timeout: 240_000 });
  if (result.status !== 0) throw new Error(`pod ${index} exited ${result.status}: ${result.stderr}`);
  expect(result.stdout).toContain(`shard ${index}/${SHARDS}`);
}

describe('the Kubernetes Indexed Job of deploy/', () => {
  it('is an Indexed Job whose shard count is its completions, on the image the Dockerfile builds', () => {
    expect(manifest.kind).toBe('Job');
    expect(job.completionMode).toBe('Indexed');
    expect(String(job.completions)).toBe(container.env.find((e) => e.name === 'SPREADLAB_SHARDS')?.value);
    expect(container.workingDir).toBe('/app');
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^WORKDIR \/app$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toContain('npm prune --omit=dev');
    expect(container.image).toContain(`:${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}`);
  });

  it('runs its command line for two shard indices, and the shards merge into the whole sweep', () => {
    runPod(0);
    runPod(1);
    const shard = (i: number) =>
      readFileSync(join(out, `shard-${i}`, 'results.csv'), 'utf8')
        .trim()
        .split('\n');
    const [header, ...first] = shard(0);
    const second = shard(1).slice(1);
    const merged = spawnSync(
      process.execPath,
      ['bin/spreadlab.js', 'sweep-merge', join(out, 'shard-0'), join(out, 'shard-1'), '--out', join(out, 'merged')],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, CI: '1' },
      },
    );
    expect(merged.status, merged.stderr).toBe(0);
    const rows = readFileSync(join(out, 'merged', 'results.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(rows[0]).toBe(header);
    // 26 spreads × 5 skews × 20 seeds, split by run index between the two pods
    expect(rows).toHaveLength(1 + 26 * 5 * 20);
    expect(first.length + second.length).toBe(26 * 5 * 20);
    expect(new Set(rows.slice(1))).toEqual(new Set([...first, ...second]));
  }, 300_000);
});
