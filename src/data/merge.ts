import { allocateColumns, COLUMN_NAMES, hasSecondValues, Kind, SECOND_COLUMNS, type EventColumns } from './columns.ts';

/**
 * K-way merge of several event tables (one per file) into one table in localTs order: the strategy's feed.
 *
 * Tie rule, at equal localTs between rows of different inputs:
 *   1. trades and order events, 2. book rows (snapshots and deltas), 3. quotes, then 4. input order (the
 *   order of `files`). Order events (order-by-order data) describe the same executions as the trades.
 * Trades first: a print usually happened before the depth update that shows the level it consumed, so the
 * feed shows them in that order when they arrive together. Quotes last: a best-bid/offer summary describes
 * the book after the update. This order does not keep the venue's queue model from counting a print twice:
 * a trade often reaches the capture after (at a later localTs than) the depth update that already shrank
 * its level, so no tie rule on localTs can put it first. The venue reads the same rows in exchange-time
 * order instead (exchange-order.ts, with the same class ranks at equal exchange time): there the print
 * advances our queue first and the depth update after it only re-reads the level.
 * Rows of one input never change their relative order, so one exchange message (rows sharing localTs, all
 * of one rank) stays contiguous.
 * The merged table holds price2 and size2 when some input does (NaN on the rows of the others), else empty.
 * Known limits: inputs must each be in localTs order (the readers guarantee it).
 */
export const RANK = new Uint8Array(5);
RANK[Kind.TRADE] = 0;
RANK[Kind.ORDER] = 0;
RANK[Kind.DELTA] = 1;
RANK[Kind.SNAPSHOT] = 1;
RANK[Kind.QUOTE] = 2;

/**
 * The tie rule as one comparison: true when the head row (ts, rank = RANK[kind]) of input `input` sorts
 * before the head row (otherTs, otherRank) of input `other`. Shared by mergeColumns and the streaming merge
 * (stream.ts), so the two order rows identically.
 */
export function sortsBefore(ts: number, rank: number, input: number, otherTs: number, otherRank: number, other: number): boolean {
  return ts < otherTs || (ts === otherTs && (rank < otherRank || (rank === otherRank && input < other)));
}

export function mergeColumns(parts: readonly EventColumns[]): EventColumns {
  const nonEmpty = parts.filter((p) => p.length > 0);
  if (nonEmpty.length === 1) return nonEmpty[0];
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out: EventColumns = { length: total, ...allocateColumns(total) };
  const second = nonEmpty.some(hasSecondValues);
  if (!second) for (const name of SECOND_COLUMNS) out[name] = new Float64Array(0);
  const k = parts.length;
  const pos = new Int32Array(k);
  let written = 0;
  while (written < total) {
    // pick the input whose head sorts first; k is small (files of one replay), so a scan beats a heap
    let best = -1;
    let bestTs = Infinity;
    let bestRank = 99;
    for (let j = 0; j < k; j++) {
      const p = parts[j];
      const i = pos[j];
      if (i >= p.length) continue;
      const ts = p.localTs[i];
      const rank = RANK[p.kind[i]];
      if (best < 0 || sortsBefore(ts, rank, j, bestTs, bestRank, best)) {
        best = j;
        bestTs = ts;
        bestRank = rank;
      }
    }
    // copy the run of rows of `best` that still sort before every other head
    const p = parts[best];
    let i = pos[best];
    const start = i;
    do i++;
    while (i < p.length && beforeOthers(parts, pos, best, p.localTs[i], RANK[p.kind[i]]));
    for (const name of COLUMN_NAMES) {
      const column = p[name] as Float64Array;
      if (column.length > 0) (out[name] as Float64Array).set(column.subarray(start, i), written);
      else if (second) (out[name] as Float64Array).fill(NaN, written, written + i - start);
    }
    written += i - start;
    pos[best] = i;
  }
  return out;
}

/** True when a row (ts, rank) of input `self` sorts before the heads of all other inputs. */
function beforeOthers(parts: readonly EventColumns[], pos: Int32Array, self: number, ts: number, rank: number): boolean {
  for (let j = 0; j < parts.length; j++) {
    if (j === self) continue;
    const p = parts[j];
    const i = pos[j];
    if (i >= p.length) continue;
    if (sortsBefore(p.localTs[i], RANK[p.kind[i]], j, ts, rank, self)) return false;
  }
  return true;
}
