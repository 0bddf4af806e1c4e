import { afterAll, describe, expect, it, vi } from 'vitest';
import { planSweep } from '../../src/sweep/sweep.ts';
import { runOne } from '../../src/sweep/run-one.ts';
import { runPool, stopIdleWorkers } from '../../src/sweep/pool.ts';
import { SpreadlabError } from '../../src/core/errors.ts';

/** Counts the worker threads the pool starts. */
const started = vi.hoisted(() => ({ workers: 0 }));
vi.mock('node:worker_threads', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:worker_threads')>();
  class CountedWorker extends actual.Worker {
    constructor(...args: ConstructorParameters<typeof actual.Worker>) {
      super(...args);
      started.workers++;
    }
  }
  return { ...actual, Worker: CountedWorker };
});

/** The recorded spot replay, 20 s of it, four spreads. */
const plan = planSweep({
  scenarioFile: 'scenarios/btcusdt-spot-replay.json',
  overrides: ['durationSeconds=20'],
  grid: ['strategy.spreadBps=1,2,4,8'],
});

/** Its second run goes past the end of the ten-minute recording: a user error, raised in a worker. */
const failingPlan = planSweep({ scenarioFile: 'scenarios/btcusdt-spot-replay.json', overrides: [], grid: ['durationSeconds=20,1200'] });

/** The same runs on the replay read another way (another replay key). */
const otherPlan = planSweep({
  scenarioFile: 'scenarios/btcusdt-spot-replay.json',
  overrides: ['durationSeconds=20', 'data.alignLocalTime=false'],
  grid: ['strategy.spreadBps=1,2,4,8'],
});

async function poolRows(workers: number, planned = plan): Promise<[string, unknown][][]> {
  const { base, runs } = await planned;
  const rows: [string, unknown][][] = [];
  await runPool(base, runs, workers, (index, row) => (rows[index] = row));
  return rows;
}

afterAll(stopIdleWorkers);

describe('the sweep worker pool', () => {
  it('keeps its workers for the next pool; rows do not depend on the workers nor on what they ran before', async () => {
    const { base, runs } = await plan;
    const expected = await Promise.all(runs.map((run) => runOne(base, run)));
    const before = started.workers;
    expect(await poolRows(2)).toEqual(expected);
    expect(started.workers - before).toBe(2);
    expect(await poolRows(2)).toEqual(expected); // the same two workers, the replay already sent
    expect(await poolRows(1)).toEqual(expected);
    expect(started.workers - before).toBe(2);
    // Another replay (another key): the kept workers are sent it.
    const other = await otherPlan;
    expect(await poolRows(2, otherPlan)).toEqual(await Promise.all(other.runs.map((run) => runOne(other.base, run))));
    expect(started.workers - before).toBe(2);
    await stopIdleWorkers();
    expect(await poolRows(2)).toEqual(expected);
    expect(started.workers - before).toBe(4);
  }, 120_000);

  it('ends the workers of a pool whose run fails, and the next pool starts new ones', async () => {
    await poolRows(2);
    const before = started.workers;
    const failing = poolRows(2, failingPlan);
    await expect(failing).rejects.toThrow(SpreadlabError);
    await expect(failing).rejects.toThrow(/^run 1: durationSeconds 1200: runs past the end of the data/);
    expect(started.workers - before).toBe(0); // it ran on the kept workers…
    expect((await poolRows(2)).length).toBe(4);
    expect(started.workers - before).toBe(2); // …and ended them
  }, 120_000);
});
