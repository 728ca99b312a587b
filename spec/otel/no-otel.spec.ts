/**
 * `@opentelemetry/api` is an optional peer: importing the package (ESM or
 * CJS) must load none of it; only the `liftbridge-rx/otel` subpath does.
 * Each check runs in a child process whose module resolution refuses
 * `@opentelemetry/` specifiers, with the subpath as the control that the
 * refusal works.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dist, refusingLoader } from '../helpers/refusing-loader.js';

const { importEsm, requireCjs } = refusingLoader('@opentelemetry/', 'OTEL');

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
