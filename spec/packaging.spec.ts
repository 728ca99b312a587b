/**
 * The package as users get it: `npm pack` output checked by publint and
 * arethetypeswrong, then installed into a temporary project and imported
 * both ways (ESM import, CommonJS require), every entry point.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { projectRoot } from '../scripts/testbed/paths.js';

const bin = (name: string) => join(projectRoot, 'node_modules', '.bin', name);

function run(cmd: string, args: string[], cwd: string) {
  const res = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 180_000 });
  return { status: res.status, out: `${res.stdout ?? ''}${res.stderr ?? ''}` };
}

/** The public entry points: package.json `exports` without ./package.json. */
const ENTRIES = [
  'liftbridge-rx',
  'liftbridge-rx/testing',
  'liftbridge-rx/nestjs',
  'liftbridge-rx/otel',
];

// What each entry must export (a few names each, checked in both formats).
const EXPECTED: Record<string, string[]> = {
  'liftbridge-rx': ['LiftbridgeClient', 'publishBulk', 'ErrorCode', 'StartPosition'],
  'liftbridge-rx/testing': ['FakeLiftbridgeClient', 'TestPublish'],
  'liftbridge-rx/nestjs': ['LiftbridgeModule', 'LiftbridgeServer', 'LiftbridgeClientProxy'],
  'liftbridge-rx/otel': ['LiftbridgeInstrumentation'],
};

/** The optional peers ./nestjs needs, at the versions the repo tests with. */
const NEST = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/microservices',
  'reflect-metadata',
  '@opentelemetry/api', // ./otel's optional peer
].map(
  (name) =>
    `${name}@${JSON.parse(readFileSync(join(projectRoot, 'node_modules', name, 'package.json'), 'utf8')).version}`,
);

describe('package', () => {
  const work = mkdtempSync(join(tmpdir(), 'lbrx-pack-'));
  let tarball = '';
  before(() => {
    const packed = run('npm', ['pack', '--silent', '--pack-destination', work], projectRoot);
    assert.equal(packed.status, 0, packed.out);
    tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz')) ?? 'missing.tgz');
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('publint - no problems in the packed package', () => {
    const res = run(
      process.execPath,
      [join(projectRoot, 'node_modules/publint/src/cli.js'), '--strict', tarball],
      work,
    );
    assert.equal(res.status, 0, res.out);
    assert.match(res.out, /All good!/);
  });

  it('arethetypeswrong - types resolve for every entry, ESM and CJS (node16 profile)', () => {
    // node16: Node 20+ and TypeScript's node16/nodenext/bundler resolution;
    // the legacy node10 resolution has no `exports`, hence no subpaths.
    const res = run(
      bin('attw'),
      ['--profile', 'node16', '--format', 'table-flipped', tarball],
      work,
    );
    assert.equal(res.status, 0, res.out);
    for (const entry of ENTRIES)
      assert.ok(
        res.out.includes(`"${entry}"`) || res.out.includes(entry),
        `${entry} checked:\n${res.out}`,
      );
  });

  it('smoke - the tarball installs into a fresh project; every entry imports as ESM and requires as CJS', () => {
    const app = join(work, 'app');
    run('mkdir', ['-p', app], work);
    writeFileSync(join(app, 'package.json'), '{ "name": "smoke", "private": true }\n');
    const installed = run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--silent',
        tarball,
        'rxjs@7',
        ...NEST,
      ],
      app,
    );
    assert.equal(installed.status, 0, installed.out);
    const probe = (entry: string, names: string[]) =>
      `names = ${JSON.stringify(names)}.filter((n) => m[n] === undefined); ` +
      `if (names.length) { console.error('${entry} lacks ' + names.join(',')); process.exit(1); }`;
    for (const entry of ENTRIES) {
      const names = EXPECTED[entry] ?? [];
      writeFileSync(
        join(app, 'esm.mjs'),
        `import * as m from '${entry}'; let ${probe(entry, names)} console.log('esm ok');\n`,
      );
      writeFileSync(
        join(app, 'cjs.cjs'),
        `const m = require('${entry}'); let ${probe(entry, names)} console.log('cjs ok');\n`,
      );
      const esm = run(process.execPath, ['esm.mjs'], app);
      assert.equal(esm.status, 0, `${entry} (ESM): ${esm.out}`);
      const cjs = run(process.execPath, ['cjs.cjs'], app);
      assert.equal(cjs.status, 0, `${entry} (CJS): ${cjs.out}`);
    }
    // And it works: the fake client from the installed package, both ways.
    const use = `const fake = new FakeLiftbridgeClient({ streams: { s: 1 } });
fake.publish('hi', { stream: 's' }).subscribe((a) => console.log('acked at ' + a.offset));
fake.expectPublish({ value: 'hi' }).ack();
fake.verify();`;
    writeFileSync(
      join(app, 'use.mjs'),
      `import { FakeLiftbridgeClient } from 'liftbridge-rx/testing';\n${use}\n`,
    );
    writeFileSync(
      join(app, 'use.cjs'),
      `const { FakeLiftbridgeClient } = require('liftbridge-rx/testing');\n${use}\n`,
    );
    for (const file of ['use.mjs', 'use.cjs']) {
      const res = run(process.execPath, [file], app);
      assert.equal(res.status, 0, `${file}: ${res.out}`);
      assert.match(res.out, /acked at 0/);
    }
  });
});
