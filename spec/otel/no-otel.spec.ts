/**
 * `@opentelemetry/api` is an optional peer: importing the package (ESM or
 * CJS) must load none of it; only the `liftbridge-rx/otel` subpath does.
 * Each check runs in a child process whose module resolution refuses
 * `@opentelemetry/` specifiers, with the subpath as the control that the
 * refusal works.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../../scripts/testbed/paths.js';

const dist = (path: string) => join(projectRoot, 'dist', path);

const esmHook = `data:text/javascript,${encodeURIComponent(`
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(
  'export async function resolve(s, c, next) {' +
  '  if (s.startsWith("@opentelemetry/")) throw new Error("OTEL LOADED: " + s);' +
  '  return next(s, c);' +
  '}'));
`)}`;

function importEsm(file: string) {
  const script = `await import(${JSON.stringify(pathToFileURL(file).href)}); console.log('loaded');`;
  return spawnSync(process.execPath, ['--import', esmHook, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 30_000,
  });
}

function requireCjs(file: string) {
  const script = `
const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request.startsWith('@opentelemetry/')) throw new Error('OTEL LOADED: ' + request);
  return resolve.call(this, request, ...rest);
};
require(${JSON.stringify(file)});
const otel = Object.keys(require.cache).filter((k) => k.includes('/node_modules/@opentelemetry/'));
console.log(otel.length === 0 ? 'loaded' : 'OTEL LOADED: ' + otel[0]);
`;
  return spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
}

describe('otel - optional peer', () => {
  it('otel - importing liftbridge-rx (ESM) loads no @opentelemetry module', () => {
    const res = importEsm(dist('esm/index.js'));
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /^loaded$/m);
  });

  it('otel - requiring liftbridge-rx (CJS) loads no @opentelemetry module', () => {
    const res = requireCjs(dist('cjs/index.js'));
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /^loaded$/m);
  });

  it('the control - liftbridge-rx/otel does load @opentelemetry/api (ESM and CJS), so the refusal works', () => {
    const esm = importEsm(dist('esm/otel/index.js'));
    assert.notEqual(esm.status, 0);
    assert.match(esm.stderr, /OTEL LOADED: @opentelemetry\/api/);
    const cjs = requireCjs(dist('cjs/otel/index.js'));
    assert.notEqual(cjs.status, 0);
    assert.match(cjs.stderr, /OTEL LOADED: @opentelemetry\/api/);
  });
});
