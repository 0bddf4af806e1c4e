/**
 * Activities: the long steps a command waits on before its own work shows progress (reading a data file
 * into the cache: a day's first run reads 600 MB of CSV.gz for about half a minute, then writes its streamed
 * entry), reported as they advance so that the command line can draw them (cli/progress.ts, on a
 * terminal). Silent unless a handler is set (onActivity): library use and tests see nothing, as warnings
 * go where onWarning sends them. One activity at a time: each is done before the next starts.
 */
export interface Activity {
  /** How far along, 0 to 1. */
  update(fraction: number): void;
  /** Finished, or given up (an error): called once, whatever happened. */
  done(): void;
}

type ActivitySink = (label: string) => Activity;

const SILENT: Activity = { update: () => {}, done: () => {} };
const silentSink: ActivitySink = () => SILENT;
let sink: ActivitySink = silentSink;

/** Starts an activity named `label` (e.g. "read data/day.csv.gz"). */
export function startActivity(label: string): Activity {
  return sink(label);
}

/** Routes activities to `handler` (null: silent again); returns a function that restores the previous handler. */
export function onActivity(handler: ActivitySink | null): () => void {
  const previous = sink;
  sink = handler ?? silentSink;
  return () => {
    sink = previous;
  };
}
