import { z } from 'zod';
import { boundedNumber, BOUNDS } from '../../core/bounds.ts';
import { defineDataSource } from '../source.ts';
import { syntheticBase, marketRng } from './config-helpers.ts';
import { ladderFields, ladderParams } from './random-walk-config.ts';
import { openRandomWalk } from './random-walk.ts';
import { sharedPriceMid } from './shared-price.ts';

/** Scenario settings of a market on a shared efficient price (rules in shared-price.ts), decimal units. */
const schema = z
  .object({
    ...syntheticBase,
    model: z.literal('shared-price'),
    startPrice: boundedNumber(BOUNDS.price).describe('the efficient price at the start (shared by markets that give the same price settings)'),
    volatility: boundedNumber({ min: 0, max: BOUNDS.price.max }).describe("standard deviation of the efficient price's move over one second, price units"),
    basis: z
      .object({
        meanBps: boundedNumber({ min: -10_000, max: 10_000 }).default(0),
        sdBps: boundedNumber({ min: 0, max: 10_000 }).default(0),
        halfLifeSeconds: boundedNumber({ above: 0, max: 30 * 86_400 }).default(60),
      })
      .strict()
      .default({})
      .describe("this market's premium over the efficient price, bps: an Ornstein-Uhlenbeck process"),
    noiseBps: boundedNumber({ min: 0, max: 10_000 }).default(0).describe("this market's own noise around it, bps (independent each refresh)"),
    ...ladderFields,
  })
  .strict();

export const sharedPriceSource = defineDataSource({
  name: 'synthetic/shared-price',
  description:
    "a random-walk ladder around an efficient price shared by the run's markets that give the same price settings, with its own basis and noise (a spot and a perpetual)",
  params: schema,
  open(config, context) {
    const ladder = ladderParams(config, context);
    const settings = {
      seed: String(context.seed),
      start: config.start,
      startPrice: config.startPrice,
      volatility: config.volatility,
      stepMs: config.refreshMs,
      basis: config.basis,
      noiseBps: config.noiseBps,
      tickSize: context.units.spec.tickSize,
    };
    const open = openRandomWalk({ startMid: NaN, volatilityTicks: 0, ...ladder, midProcess: (rng) => sharedPriceMid(settings, rng) }, marketRng(context));
    return { open, openVenue: open, startTs: ladder.startTs, endTs: ladder.endTs, files: [] };
  },
});
