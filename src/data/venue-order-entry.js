// Worker threads do not inherit the parent's TypeScript loader: register tsx, then load the venue-order thread.
import { register } from 'tsx/esm/api';

register();
await import('./venue-order-worker.ts');
