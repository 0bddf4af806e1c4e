// Worker threads do not inherit the parent's TypeScript loader: register tsx, then load the read-ahead thread.
import { register } from 'tsx/esm/api';

register();
await import('./read-ahead-worker.ts');
