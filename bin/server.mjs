#!/usr/bin/env node
// `npm start`: the whole product with demo data on an embedded PGlite database.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
