import { SpreadlabError } from '../core/errors.ts';

/**
 * A cache entry found corrupt while it was being read (cache.ts: checked as read); the file has been removed.
 * A module of its own so that a run catching it (sim/run-scenario.ts) does not load the cache.
 */
export class CorruptCacheError extends SpreadlabError {
  constructor(readonly path: string) {
    super(`the data cache entry ${path} is corrupt (it fails its checksum): it has been removed; run again to rebuild it`);
  }
}
