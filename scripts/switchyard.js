#!/usr/bin/env node
// `npx switchyard ...`: runs the TypeScript CLI through tsx, so there is no build step to forget.
require('tsx/cjs');
require('./cli/main.ts');
