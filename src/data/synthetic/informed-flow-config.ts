import { z } from 'zod';
import { boundedNumber, BOUNDS } from '../../core/bounds.ts';
import { US_PER_MS } from '../../core/units.ts';
import { defineDataSource } from '../source.ts';
import { lotsOf, syntheticBase, syntheticPeriod, marketRng, wholeTicks } from './config-helpers.ts';
import { openInformedFlow } from './informed-flow.ts';

/** Scenario settings of the informed-flow market (rules in informed-flow.ts), in the market's decimal units. */
const schema = z
  .object({
    ...syntheticBase,
    model: z.literal('informed-flow'),
    startPrice: boundedNumber(BOUNDS.price),
    /** Half the displayed spread, ticks. */
    halfSpreadTicks: boundedNumber(BOUNDS.ticks).default(1),
    levels: boundedNumber(BOUNDS.levels).default(5),
    /** Displayed size of each level, base units. */
    levelSize: boundedNumber(BOUNDS.size),
    /** Size J of a jump of the fundamental value, price units (a whole number of ticks). */
    jumpSize: boundedNumber(BOUNDS.price),
    jumpsPerSecond: boundedNumber(BOUNDS.ratePerSecond),
    takersPerSecond: boundedNumber(BOUNDS.ratePerSecond),
    /** Share μ of takers who are informed. */
    informedShare: boundedNumber({ min: 0, max: 1 }),
    informedLeadMs: boundedNumber(BOUNDS.latencyMs).default(50),
    lagMs: boundedNumber(BOUNDS.latencyMs).default(20),
    /** Time the display takes per tick of catch-up; 0 moves it at once. */
    followMs: boundedNumber(BOUNDS.latencyMs).default(20),
    /** With followMs 0: how long the book is withdrawn before it is shown at the new value; 0 moves it in one message. */
    withdrawMs: boundedNumber(BOUNDS.latencyMs).default(0),
    /** Mean depth a taker reaches beyond the displayed mid, price units. */
    takerDepth: boundedNumber(BOUNDS.price),
    /** Size of each taker's print, base units. */
    takerSize: boundedNumber(BOUNDS.size),
  })
  .strict();

export const informedFlowSource = defineDataSource({
  name: 'synthetic/informed-flow',
  description: 'Glosten–Milgrom informed flow: a hidden value jumps, the display follows with a lag, informed takers trade ahead of it',
  params: schema,
  open(config, context) {
    const { units } = context;
    const { startTs, endTs } = syntheticPeriod(config.start, context);
    const open = openInformedFlow(
      {
        startMid: units.roundToTick(config.startPrice),
        halfSpreadTicks: config.halfSpreadTicks,
        levels: config.levels,
        levelSize: lotsOf(units, config.levelSize, 'data.levelSize'),
        jumpTicks: wholeTicks(units, config.jumpSize, 'data.jumpSize'),
        jumpsPerSecond: config.jumpsPerSecond,
        takersPerSecond: config.takersPerSecond,
        informedShare: config.informedShare,
        informedLeadUs: Math.round(config.informedLeadMs * US_PER_MS),
        lagUs: Math.round(config.lagMs * US_PER_MS),
        followUs: Math.round(config.followMs * US_PER_MS),
        withdrawUs: Math.round(config.withdrawMs * US_PER_MS),
        takerDepthTicks: config.takerDepth / units.spec.tickSize,
        takerSize: lotsOf(units, config.takerSize, 'data.takerSize'),
        feedLatencyUs: Math.round(config.feedLatencyMs * US_PER_MS),
        startTs,
        endTs,
      },
      marketRng(context),
    );
    return { open, openVenue: open, startTs, endTs, files: [] };
  },
});
