/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal (quiet in CI and pipes).
 */
export function progressBar(label: string): { update(fraction: number): void; done(): void } {
  const tty = process.stderr.isTTY === true && !process.env.CI;
  let started = -1; // the first update's time: a bar made before the steps it waits for (a data file read) times only its own
  let lastDrawn = -1;
  const draw = (fraction: number): void => {
    if (started < 0) started = Date.now();
    const percent = Math.floor(fraction * 100);
    if (percent === lastDrawn) return;
    lastDrawn = percent;
    const width = 30;
    const filled = Math.round(fraction * width);
    const elapsed = (Date.now() - started) / 1000;
    const eta = fraction > 0 ? (elapsed * (1 - fraction)) / fraction : 0;
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}% eta ${eta.toFixed(0)}s `);
  };
  return {
    update: (fraction) => tty && draw(fraction),
    done: () => tty && lastDrawn >= 0 && process.stderr.write('\r\x1b[K'),
  };
}
