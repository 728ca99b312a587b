/**
 * Child processes that load a built entry while module resolution refuses
 * one package scope (`@nestjs/`, `@opentelemetry/`): what the optional-peer
 * specs use to show an entry loads none of that scope. A refused load fails
 * the child with "<LABEL> LOADED: <specifier>" on stderr (or stdout for a
 * module found in require.cache); a clean load prints "loaded".
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../../scripts/testbed/paths.js';

/** A file of the built package (`dist/<path>`). */
export const dist = (path: string) => join(projectRoot, 'dist', path);

export interface RefusingLoader {
  /** `import()`s the file as ESM, a resolve hook refusing the scope registered first. */
  importEsm(file: string): SpawnSyncReturns<string>;
  /** `require()`s the file as CJS with the scope refused; require.cache is checked too. */
  requireCjs(file: string): SpawnSyncReturns<string>;
}

/** Loaders refusing specifiers starting with `scope` (e.g. `'@nestjs/'`), failing with `<label> LOADED`. */
export function refusingLoader(scope: string, label: string): RefusingLoader {
  const s = JSON.stringify(scope);
  const esmHook = `data:text/javascript,${encodeURIComponent(`
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(
  'export async function resolve(s, c, next) {' +
  '  if (s.startsWith(${s})) throw new Error("${label} LOADED: " + s);' +
  '  return next(s, c);' +
  '}'));
`)}`;
  return {
    importEsm(file) {
      const script = `await import(${JSON.stringify(pathToFileURL(file).href)}); console.log('loaded');`;
      return spawnSync(
        process.execPath,
        ['--import', esmHook, '--input-type=module', '-e', script],
        { encoding: 'utf8', timeout: 30_000 },
      );
    },
    requireCjs(file) {
      const script = `
const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request.startsWith(${s})) throw new Error('${label} LOADED: ' + request);
  return resolve.call(this, request, ...rest);
};
require(${JSON.stringify(file)});
const found = Object.keys(require.cache).filter((k) => k.includes('/node_modules/' + ${s}));
console.log(found.length === 0 ? 'loaded' : '${label} LOADED: ' + found[0]);
`;
      return spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
    },
  };
}
