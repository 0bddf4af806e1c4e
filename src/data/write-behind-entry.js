// Worker threads do not inherit the parent's TypeScript loader: register tsx, then load the write-behind thread.
import { register } from 'tsx/esm/api';

register();
await import('./write-behind-worker.ts');
