#!/usr/bin/env node
// node scripts/lock-optional-platforms.mjs package-lock.json
// Run after `npm install` changes the lock. The npm registry these machines
// reach does not serve some other-platform binaries (rollup's android/win32
// builds, msgpackr-extract's darwin ones: 404), so npm leaves them out of the
// lock, and `npm ci` then refuses the lock as out of sync. This adds an
// optional entry for each such package; `npm ci` skips them on this platform.
import { readFileSync, writeFileSync } from 'node:fs';

const path = process.argv[2] ?? 'package-lock.json';
const lock = JSON.parse(readFileSync(path, 'utf8'));
const pk = lock.packages;
let added = 0;
for (const [loc, entry] of Object.entries(pk)) {
  for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    // resolution: nested first, then up the tree
    let base = loc;
    let found = false;
    while (true) {
      const cand = (base ? `${base}/` : '') + `node_modules/${name}`;
      if (pk[cand]) {
        found = true;
        break;
      }
      if (!base) break;
      const i = base.lastIndexOf('/node_modules/');
      base = i === -1 ? '' : base.slice(0, i);
    }
    if (found) continue;
    const at = `node_modules/${name}`;
    pk[at] = { version: spec, ...(entry.dev ? { dev: true } : {}), optional: true };
    added += 1;
    console.log('added', at, spec);
  }
}
const sorted = Object.fromEntries(
  Object.entries(pk).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)),
);
lock.packages = sorted;
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`${added} entries added`);
