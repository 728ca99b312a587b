#!/usr/bin/env node
// npm run demo [-- name ...]: runs the demos in order against a local
// Liftbridge it starts (or LIFTBRIDGE_BROKERS when set), then stops it.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
// The one list of demos, in run order (the demo spec reads it too).
const DEMOS = JSON.parse(readFileSync(join(root, 'demos', 'list.json'), 'utf8'));

const node = process.execPath;

function sh(args, env = process.env) {
  const res = spawnSync(node, args, { cwd: root, stdio: 'inherit', env });
  if (res.status !== 0) process.exit(res.status ?? 1);
}

// The test suite has built everything already when it runs this.
if (!process.env.LIFTBRIDGE_RX_SKIP_BUILD) {
  sh(['scripts/build.mjs']);
  sh([join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']);
  sh(['.build/scripts/testbed/angular.js']); // the page the Nest demo serves
}
const { startServer } = await import(join(root, '.build/scripts/testbed/server.js'));
const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : DEMOS;
for (const name of chosen) {
  if (!DEMOS.includes(name)) {
    console.error(`unknown demo "${name}"; demos: ${DEMOS.join(', ')}`);
    process.exit(2);
  }
}
// The activity demo needs the server's activity stream.
const server = await startServer({ extraConfig: ['activity.stream.enabled: true'] });
let failed = false;
try {
  const env = { ...process.env, LIFTBRIDGE_BROKERS: server.brokers.join(',') };
  if (!process.env.LIFTBRIDGE_BROKERS)
    console.log(`started Liftbridge at ${server.brokers.join(',')}`);
  for (const name of chosen) {
    console.log(`\n== demo: ${name}`);
    const res = spawnSync(node, [join(root, '.build/demos', `${name}.js`)], {
      cwd: root,
      stdio: 'inherit',
      env,
    });
    if (res.status !== 0) {
      console.error(`demo ${name} failed (exit ${res.status})`);
      failed = true;
      break;
    }
  }
} finally {
  await server.stop();
}
process.exit(failed ? 1 : 0);
