#!/usr/bin/env node
'use strict';
// `npx agentic-memory`: the admin CLI. In a checkout it runs the TypeScript source with tsx (a
// development dependency); in the installed package, the bundle `npm run build` made in dist/cli/.
const fs = require('node:fs');
const path = require('node:path');

const source = path.join(__dirname, 'admin-cli.ts');
if (fs.existsSync(source)) {
  require('tsx/cjs');
  require(source);
} else {
  require(path.join(__dirname, '..', 'dist', 'cli', 'admin-cli.js'));
}
