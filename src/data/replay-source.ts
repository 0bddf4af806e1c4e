import { replaySchema } from './replay-config.ts';
import { defineDataSource } from './source.ts';

/**
 * The replay data source: its settings and rules in replay-config.ts; the machinery that opens a replay
 * (replay-open.ts: readers, cache, merge, exchange order, streams) is loaded by the first replay run, so a
 * run of synthetic data does without it.
 */
export const replaySource = defineDataSource({
  name: 'replay',
  description: 'recorded market data files (any registered file format) replayed through the venue',
  params: replaySchema,
  async open(config, context) {
    const { openReplay } = await import('./replay-open.ts');
    return openReplay(config, context);
  },
});
