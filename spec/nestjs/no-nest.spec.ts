/**
 * Nest is an optional peer: importing the package (ESM or CJS) must load no
 * `@nestjs/*` module; only the `liftbridge-rx/nestjs` subpath does. Each
 * check runs in a child process whose module resolution refuses `@nestjs/`
 * specifiers, with the subpath as the control that the refusal works.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { projectRoot } from '../../scripts/testbed/paths.js';
import { dist, refusingLoader } from '../helpers/refusing-loader.js';

const { importEsm, requireCjs } = refusingLoader('@nestjs/', 'NEST');

describe('nestjs - optional peer', () => {
  it('nestjs - importing liftbridge-rx (ESM) loads no @nestjs module', () => {
    const res = importEsm(dist('esm/index.js'));
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /^loaded$/m);
  });

  it('nestjs - requiring liftbridge-rx (CJS) loads no @nestjs module', () => {
    const res = requireCjs(dist('cjs/index.js'));
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /^loaded$/m);
  });

  it('nestjs - control: the liftbridge-rx/nestjs subpath does load Nest (ESM and CJS)', () => {
    const esm = importEsm(dist('esm/nestjs/index.js'));
    assert.notEqual(esm.status, 0);
    assert.match(esm.stderr, /NEST LOADED: @nestjs\//);
    const cjs = requireCjs(dist('cjs/nestjs/index.js'));
    assert.notEqual(cjs.status, 0);
    assert.match(cjs.stderr, /NEST LOADED: @nestjs\//);
  });

  it('nestjs - the subpath loads through the package exports (ESM import and CJS require)', () => {
    const esm = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('liftbridge-rx/nestjs'); console.log(typeof m.LiftbridgeServer, typeof m.LiftbridgeModule.forRoot);",
      ],
      { cwd: projectRoot, encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(esm.status, 0, esm.stderr);
    assert.equal(esm.stdout.trim(), 'function function');
    const cjs = spawnSync(
      process.execPath,
      [
        '-e',
        "const m = require('liftbridge-rx/nestjs'); console.log(typeof m.LiftbridgeClientProxy, require.resolve('liftbridge-rx/nestjs'));",
      ],
      { cwd: projectRoot, encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(cjs.status, 0, cjs.stderr);
    assert.match(cjs.stdout, /^function .*dist\/cjs\/nestjs\/index\.js$/m);
  });

  it('nestjs - without @nestjs/microservices, the subpath fails saying to install it (ESM and CJS)', () => {
    // Resolution refuses @nestjs/microservices only: as in a fresh Nest starter.
    const refuse = `
const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === '@nestjs/microservices') {
    const err = new Error("Cannot find module '" + request + "'");
    err.code = 'MODULE_NOT_FOUND';
    throw err;
  }
  return resolve.call(this, request, ...rest);
};`;
    for (const load of [
      `import('liftbridge-rx/nestjs').catch((e) => { console.error(e.message); process.exit(3); });`,
      `try { require('liftbridge-rx/nestjs'); } catch (e) { console.error(e.message); process.exit(3); }`,
    ]) {
      const res = spawnSync(process.execPath, ['-e', `${refuse}\n${load}`], {
        cwd: projectRoot,
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(res.status, 3, res.stderr);
      assert.match(
        res.stderr,
        /liftbridge-rx\/nestjs needs @nestjs\/microservices.*npm install @nestjs\/microservices/,
      );
    }
  });
});
