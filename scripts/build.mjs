#!/usr/bin/env node
// Builds the package: dist/esm (ESM + .d.ts) and dist/cjs (CommonJS + .d.ts).
// `--out DIR` builds into DIR/esm and DIR/cjs instead of dist (a spec packs
// from such a copy while other specs read dist).
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const at = process.argv.indexOf('--out');
const out = at > 0 && process.argv[at + 1] ? resolve(process.argv[at + 1]) : join(root, 'dist');
rmSync(out, { recursive: true, force: true });
for (const [config, format] of [
  ['tsconfig.esm.json', 'esm'],
  ['tsconfig.cjs.json', 'cjs'],
]) {
  const args = [tsc, '-p', config, '--outDir', join(out, format)];
  const res = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) process.exit(res.status ?? 1);
}
writeFileSync(join(out, 'cjs/package.json'), '{ "type": "commonjs" }\n');
writeFileSync(join(out, 'esm/package.json'), '{ "type": "module" }\n');
console.log(`built ${out}/esm and ${out}/cjs`);
