/**
 * Warnings: something the user should know that does not stop the work (a corrupt cache entry rebuilt, a
 * run that ended where its data did, every order rejected). They go to stderr as
 * `spreadlab: warning: …`, one line each, each distinct message once per process (a sweep's runs do not
 * repeat it), so stdout stays the command's output. Tests and embedding programs can take them instead
 * (onWarning).
 */
type WarningSink = (message: string) => void;

const stderrSink: WarningSink = (message) => process.stderr.write(`spreadlab: warning: ${message}\n`);
let sink: WarningSink = stderrSink;
const said = new Set<string>();

export function warn(message: string): void {
  if (said.has(message)) return;
  said.add(message);
  sink(message);
}

/** Routes warnings to `handler` (null: back to stderr); returns the previous handler's restore function. */
export function onWarning(handler: WarningSink | null): () => void {
  const previous = sink;
  sink = handler ?? stderrSink;
  said.clear();
  return () => {
    sink = previous;
    said.clear();
  };
}
