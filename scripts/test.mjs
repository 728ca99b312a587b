#!/usr/bin/env node
// The one test command (npm test, README, .ci/run): type check and compile,
// generated-code freshness, lint and format, server install, then every spec
// (unit, marble, protocol and integration against a real Liftbridge).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const started = Date.now();

function step(name, cmd, args, env = {}) {
  const t0 = Date.now();
  process.stdout.write(`\n== ${name}\n`);
  const res = spawnSync(cmd, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (res.status !== 0) {
    console.error(`\n== ${name} FAILED (${secs} s)`);
    process.exit(res.status ?? 1);
  }
  process.stdout.write(`== ${name} ok (${secs} s)\n`);
}

function specs(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...specs(path));
    else if (entry.endsWith('.spec.js')) out.push(path);
  }
  return out.sort();
}

const filter = process.argv.slice(2);
const node = process.execPath;
// The package first: demos import 'liftbridge-rx' itself (dist/).
step('package build (ESM + CJS)', node, ['scripts/build.mjs']);
step('compile (tsc, strict)', node, [
  join(root, 'node_modules/typescript/bin/tsc'),
  '-p',
  'tsconfig.json',
]);
step('generated proto types fresh', node, ['.build/scripts/gen-proto.js', '--check']);
step('lint and format (biome)', node, [
  join(root, 'node_modules/@biomejs/biome/bin/biome'),
  'check',
  '--error-on-warnings',
  '.',
]);
step('API docs (TypeDoc, every export documented)', node, [
  join(root, 'node_modules/typedoc/bin/typedoc'),
]);
step('test server install', node, ['.build/scripts/testbed/install.js', '--nats']);
step('headless Chromium (Debian package)', node, ['.build/scripts/testbed/chromium.js']);
step('Angular demo page build (ng build)', node, ['.build/scripts/testbed/angular.js']);
// Specs, and the example marble specs beside the demos (demos/testing).
let files = [...specs(join(root, '.build/spec')), ...specs(join(root, '.build/demos'))];
// Filters match the path under .build/ (not the checkout's own path).
const under = (f) => f.slice(join(root, '.build').length);
if (filter.length > 0) files = files.filter((f) => filter.some((p) => under(f).includes(p)));
const tap = join(root, '.build', 'specs.tap');
const counts = () => {
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const count = (what) => Number(new RegExp(`^# ${what} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    pass: count('pass'),
    fail: count('fail') + count('cancelled'),
    skipped: count('skipped'),
  };
};
process.on('exit', () => {
  const { pass, fail, skipped } = counts();
  if (pass + fail > 0) console.log(`\n${pass} passed, ${fail} failed, ${skipped} skipped`);
});
step(`specs (${files.length} files)`, node, [
  '--test',
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  '--test-reporter=tap',
  `--test-reporter-destination=${tap}`,
  ...files,
]);
// No server this run started may outlive it (the reaper stops crashed specs' servers).
const ours = () => {
  const found = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const exe = readlinkSync(`/proc/${pid}/exe`);
      if (exe.startsWith(join(root, '.liftbridge'))) found.push(`${pid} ${exe}`);
    } catch {
      // not ours to read, or gone
    }
  }
  return found;
};
const deadline = Date.now() + 8000;
while (ours().length > 0 && Date.now() < deadline) spawnSync('sleep', ['0.2']);
if (ours().length > 0) {
  console.error(`servers left running after the specs:\n${ours().join('\n')}`);
  process.exit(1);
}
console.log('no test server left running');
console.log(`\nall steps passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
