// A strategy module for the example tests: runs one of examples/strategies/ unchanged, recording every venue
// call it makes, every reply it gets and every hook notice it receives, with the virtual time, and hands the
// record to the test through globalThis (the module is loaded apart from the test file). The recorder only
// passes calls through, so the run is the example's own (the tests check that its fills are the same).
import { defineStrategy, z, type Clock, type StrategyDefinition, type Venue } from 'spreadlab';
import joinTouch from '../../examples/strategies/join-touch.ts';
import ladder from '../../examples/strategies/ladder.ts';
import widenAfterFill from '../../examples/strategies/widen-after-fill.ts';

const EXAMPLES: Record<string, StrategyDefinition> = { 'join-touch': joinTouch, ladder, 'widen-after-fill': widenAfterFill };

export interface Entry {
  /** Virtual time, ms. */
  at: number;
  /** A call the strategy made, the reply it got (`call` is the index of the call's entry), or a hook's notice. */
  kind: 'call' | 'reply' | 'notice';
  method: string;
  /** The call's arguments, the reply, or the notice's event (a copy). */
  data: any;
  call?: number;
}

export const RECORD_KEY = 'spreadlabExampleRecord';

export default defineStrategy({
  name: 'recorded',
  params: z.object({ example: z.enum(Object.keys(EXAMPLES) as [string, ...string[]]), params: z.record(z.unknown()) }),
  create: ({ example, params }) => {
    const definition = EXAMPLES[example];
    const strategy = definition.create(definition.params.strict().parse(params));
    return (context) => {
      const record: Entry[] = [];
      (globalThis as Record<string, unknown>)[RECORD_KEY] = record;
      return strategy({ ...context, venue: recording(context.venue, context.clock, record) });
    };
  },
});

function recording(venue: Venue, clock: Clock, record: Entry[]): Venue {
  const log = (kind: Entry['kind'], method: string, data: unknown, call?: number): number =>
    record.push({ at: clock.now(), kind, method, data: structuredClone(data), call }) - 1;
  return new Proxy(venue, {
    get(target, method: string) {
      const original = Reflect.get(target, method) as (...args: any[]) => any;
      if (method.startsWith('on')) {
        return (handler: (event: unknown) => void) =>
          original.call(target, (event: unknown) => {
            log('notice', method, event);
            handler(event);
          });
      }
      return (...args: unknown[]) => {
        const call = log('call', method, args);
        return (original.apply(target, args) as Promise<unknown>).then((reply) => {
          log('reply', method, reply, call);
          return reply;
        });
      };
    },
  });
}
