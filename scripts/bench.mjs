#!/usr/bin/env node
// npm run bench: build, compile, install the server, then bench/run.ts (or, with `ab` or
// `slow-consumer` first, bench/ab.ts or bench/slow-consumer.ts).
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
// `npm run bench -- ab ...` and `npm run bench -- slow-consumer ...` are runners of their own.
const runners = { ab: '.build/bench/ab.js', 'slow-consumer': '.build/bench/slow-consumer.js' };
const runner = runners[args[0]];
run(runner ? [runner, ...args.slice(1)] : ['.build/bench/run.js', ...args]);
