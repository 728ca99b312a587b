#!/usr/bin/env node
// npm run bench: build, compile, install the server, then bench/run.ts (or, with `ab` first, bench/ab.ts).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const run = (args) => {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run(['scripts/build.mjs']);
run([join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']);
run(['.build/scripts/testbed/install.js']);
const args = process.argv.slice(2);
run([args[0] === 'ab' ? '.build/bench/ab.js' : '.build/bench/run.js', ...args]);
