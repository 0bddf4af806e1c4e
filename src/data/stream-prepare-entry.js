// Worker threads do not inherit the parent's TypeScript loader: register tsx, then load the preparing thread.
import { register } from 'tsx/esm/api';

register();
await import('./stream-prepare-worker.ts');
