// Entry of PGlite's worker thread (src/store/pglite-proxy.ts): the thread's module is TypeScript,
// run through tsx as the server itself is (bin/server.mjs). JavaScript, so no loader is needed to
// load it, whoever starts the worker (the server, the CLI, a test runner).
import { register } from 'tsx/esm/api';

register();
await import('./pglite-thread.ts');
