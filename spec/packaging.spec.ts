/**
 * The package as users get it. A copy of the working tree without any
 * build output (what a fresh clone holds) is packed with `npm pack`, whose
 * prepack script builds it; the tarball's file list and package.json are
 * checked, then publint and arethetypeswrong (every profile) run on it, it
 * is installed into a temporary project and imported both ways (ESM import,
 * CommonJS require), every entry point, and a Nest-shaped project (module
 * commonjs, default resolution) type-checks against it.
 *
 * The entry points come from package.json `exports`: a new subpath is
 * covered here (typesVersions, attw, import) as soon as it is listed there.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { projectRoot } from '../scripts/testbed/paths.js';

const bin = (name: string) => join(projectRoot, 'node_modules', '.bin', name);

function run(cmd: string, args: string[], cwd: string) {
  const res = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 300_000 });
  return { status: res.status, out: `${res.stdout ?? ''}${res.stderr ?? ''}` };
}

interface Manifest {
  name: string;
  license: string;
  homepage?: string;
  repository?: { type: string; url: string };
  bugs?: { url: string };
  engines?: { node?: string };
  types?: string;
  bin?: Record<string, string>;
  exports: Record<string, Target>;
  typesVersions?: Record<string, Record<string, string[]>>;
  dependencies: Record<string, string>;
  scripts: Record<string, string>;
}
/** An `exports` target: a path, or conditions (import, require, types, default, ...) of targets. */
type Target = string | { [condition: string]: Target };

const manifest = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as Manifest;

/** The code subpaths of `exports` ('.', './nestjs', ...), without ./package.json. */
const SUBPATHS = Object.keys(manifest.exports).filter((k) => k !== './package.json');

/** The public entry points as users import them: 'liftbridge-rx', 'liftbridge-rx/nestjs', ... */
const ENTRIES = SUBPATHS.map((s) => (s === '.' ? manifest.name : `${manifest.name}/${s.slice(2)}`));

/** Every file one subpath's target names, under any condition. */
function filesOf(target: Target | undefined): string[] {
  if (target === undefined) return [];
  if (typeof target === 'string') return [target];
  return Object.values(target).flatMap(filesOf);
}

/**
 * The types node10 resolution should find for a subpath: the `types` of its
 * `require` condition (what a CommonJS project gets), else of `import`.
 */
function node10Types(subpath: string): string | undefined {
  const entry = manifest.exports[subpath];
  if (entry === undefined || typeof entry === 'string') return undefined;
  for (const condition of ['require', 'import']) {
    const c = entry[condition];
    if (c !== undefined && typeof c !== 'string' && typeof c['types'] === 'string')
      return c['types'];
  }
  return typeof entry['types'] === 'string' ? entry['types'] : undefined;
}

// What some entries must export (a few names each, checked in both formats);
// an entry not named here must still import and require.
const EXPECTED: Record<string, string[]> = {
  'liftbridge-rx': ['LiftbridgeClient', 'publishBulk', 'ErrorCode', 'StartPosition'],
  'liftbridge-rx/testing': ['FakeLiftbridgeClient', 'TestPublish'],
  'liftbridge-rx/nestjs': [
    'LiftbridgeModule',
    'LiftbridgeServer',
    'LiftbridgeClientProxy',
    'LiftbridgeClient',
    'LIFTBRIDGE_CLIENT',
    'LiftbridgeHealthIndicator',
  ],
  'liftbridge-rx/sse': ['sendSse', 'serveSse', 'parseEventId', 'formatEventId'],
  'liftbridge-rx/sse/browser': ['fromEventSource', 'SseStreamError', 'LAST_EVENT_ID_PARAM'],
  'liftbridge-rx/otel': ['LiftbridgeInstrumentation'],
};

/** A package as installed here, at the version the repo tests with. */
const pinned = (name: string) =>
  `${name}@${JSON.parse(readFileSync(join(projectRoot, 'node_modules', name, 'package.json'), 'utf8')).version}`;

/** The optional peers ./nestjs needs, and Node's types for the Nest-shaped project. */
const NEST = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/microservices',
  'reflect-metadata',
  '@opentelemetry/api', // ./otel's optional peer
].map(pinned);

/**
 * The working tree as a fresh clone holds it: tracked and untracked files
 * that git does not ignore (so no dist/, no .build/), with node_modules
 * linked rather than installed again.
 */
function cleanCopy(to: string): void {
  const listed = run('git', ['ls-files', '-co', '--exclude-standard', '-z'], projectRoot);
  assert.equal(listed.status, 0, listed.out);
  for (const file of listed.out.split('\0').filter(Boolean)) {
    const from = join(projectRoot, file);
    if (!existsSync(from) || lstatSync(from).isSymbolicLink()) continue; // deleted, or a link
    mkdirSync(dirname(join(to, file)), { recursive: true });
    copyFileSync(from, join(to, file));
  }
  symlinkSync(join(projectRoot, 'node_modules'), join(to, 'node_modules'));
}

/** `version` satisfies a `>=x.y[.z]` range (the only form `engines` uses here). */
function atLeast(version: string, range: string): boolean {
  const want = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim());
  assert.ok(want, `engines.node "${range}" is a >= range`);
  const have = version.replace(/^v/, '').split('.').map(Number);
  const need = want.slice(1).map((n) => Number(n ?? 0));
  for (let i = 0; i < 3; i++) {
    if ((have[i] ?? 0) !== (need[i] ?? 0)) return (have[i] ?? 0) > (need[i] ?? 0);
  }
  return true;
}

describe('package', () => {
  const work = mkdtempSync(join(tmpdir(), 'lbrx-pack-'));
  const source = join(work, 'source');
  const unpacked = join(work, 'unpacked');
  const app = join(work, 'app');
  let tarball = '';
  let files: string[] = [];

  before(() => {
    cleanCopy(source);
    assert.equal(existsSync(join(source, 'dist')), false, 'the clean copy has no dist/');
    // npm runs prepack, which builds dist/ first.
    const packed = run('npm', ['pack', '--pack-destination', work], source);
    assert.equal(packed.status, 0, packed.out);
    tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz')) ?? 'missing.tgz');
    mkdirSync(unpacked);
    const untar = run('tar', ['-xzf', tarball, '-C', unpacked], work);
    assert.equal(untar.status, 0, untar.out);
    files = (readdirSync(join(unpacked, 'package'), { recursive: true }) as string[])
      .filter((f) => !lstatSync(join(unpacked, 'package', f)).isDirectory())
      .map((f) => f.split(/[\\/]/).join('/'))
      .sort();
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  /** The tarball installed into a fresh project, once, for the tests that need it. */
  let installed = false;
  function install(): void {
    if (installed) return;
    mkdirSync(app, { recursive: true });
    writeFileSync(join(app, 'package.json'), '{ "name": "smoke", "private": true }\n');
    const res = run(
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
        pinned('@types/node'),
      ],
      app,
    );
    assert.equal(res.status, 0, res.out);
    installed = true;
  }

  it('pack - a clean tree builds on pack (prepack) and ships dist/ (ESM and CJS), proto, LICENSE, README, package.json', () => {
    assert.match(manifest.scripts['prepack'] ?? '', /build/);
    for (const file of ['package.json', 'README.md', 'LICENSE', 'proto/api.proto'])
      assert.ok(files.includes(file), `${file} shipped`);
    // Every file each subpath names, in both formats, and the command line.
    for (const subpath of SUBPATHS) {
      const named = filesOf(manifest.exports[subpath]);
      assert.ok(
        named.some((f) => f.endsWith('.d.ts')),
        `${subpath} names its types`,
      );
      for (const file of named)
        assert.ok(files.includes(file.replace(/^\.\//, '')), `${subpath}: ${file} shipped`);
    }
    for (const file of Object.values(manifest.bin ?? {}))
      assert.ok(files.includes(file.replace(/^\.\//, '')), `bin ${file} shipped`);
    const stray = files.filter(
      (f) =>
        !/^(package\.json|README\.md|LICENSE|proto\/[\w-]+\.proto|dist\/(esm|cjs)\/.+\.(js|d\.ts|json))$/.test(
          f,
        ),
    );
    assert.deepEqual(stray, [], 'only built code, proto, LICENSE, README and package.json');
  });

  it('pack - no specs, sources or source maps (nothing points at files the package lacks)', () => {
    assert.deepEqual(
      files.filter((f) => /\.spec\.|(^|\/)spec\/|\.map$|\.tsbuildinfo$|(?<!\.d)\.ts$/.test(f)),
      [],
    );
    const mapped = files.filter(
      (f) =>
        /\.(js|d\.ts)$/.test(f) &&
        readFileSync(join(unpacked, 'package', f), 'utf8').includes('sourceMappingURL'),
    );
    assert.deepEqual(mapped, [], 'no sourceMappingURL comment');
  });

  it('pack - LICENSE is the full Apache-2.0 text, and package.json says where the project lives', () => {
    assert.equal(manifest.license, 'Apache-2.0');
    const license = readFileSync(join(unpacked, 'package', 'LICENSE'), 'utf8');
    for (const part of [
      'Apache License',
      'Version 2.0, January 2004',
      'TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION',
      '9. Accepting Warranty or Additional Liability.',
      'END OF TERMS AND CONDITIONS',
    ])
      assert.ok(license.includes(part), `LICENSE has "${part}"`);
    const shipped = JSON.parse(
      readFileSync(join(unpacked, 'package', 'package.json'), 'utf8'),
    ) as Manifest;
    assert.match(shipped.repository?.url ?? '', /^git\+https:\/\/github\.com\/.+\.git$/);
    assert.match(shipped.homepage ?? '', /^https:\/\//);
    assert.match(shipped.bugs?.url ?? '', /^https:\/\/.+\/issues$/);
  });

  it('package.json - grpc-js is a caret range (an app may share its copy), proto-loader a dependency; engines holds the Node that runs these specs', () => {
    assert.match(manifest.dependencies['@grpc/grpc-js'] ?? '', /^\^\d/);
    assert.match(manifest.dependencies['@grpc/proto-loader'] ?? '', /^\^\d/);
    const range = manifest.engines?.node ?? '';
    assert.ok(atLeast(process.version, range), `${process.version} satisfies ${range}`);
  });

  it('typesVersions - every subpath of exports has an entry (node10 resolution) naming its CommonJS types, and no other', () => {
    const map = manifest.typesVersions?.['*'] ?? {};
    const subpaths = SUBPATHS.filter((s) => s !== '.').map((s) => s.slice(2));
    assert.deepEqual(Object.keys(map).sort(), [...subpaths].sort());
    for (const sub of subpaths) {
      assert.ok(node10Types(`./${sub}`), `./${sub} names its types in exports`);
      assert.deepEqual(map[sub], [node10Types(`./${sub}`)], `typesVersions.${sub}`);
    }
    assert.equal(manifest.types, node10Types('.'), 'types: the CommonJS types');
  });

  it('publint - no problems in the packed package', () => {
    const res = run(
      process.execPath,
      [join(projectRoot, 'node_modules/publint/src/cli.js'), '--strict', tarball],
      work,
    );
    assert.equal(res.status, 0, res.out);
    assert.match(res.out, /All good!/);
  });

  it('arethetypeswrong - every entry resolves under node10, node16 (CJS and ESM) and bundler', () => {
    // The default profile ("strict") checks every resolution mode.
    const res = run(bin('attw'), ['--format', 'json', tarball], work);
    assert.equal(res.status, 0, res.out);
    const report = JSON.parse(res.out) as {
      problems?: unknown[] | Record<string, unknown[]>;
      analysis: { entrypoints: Record<string, { resolutions: Record<string, unknown> }> };
    };
    assert.deepEqual(Object.values(report.problems ?? {}).flat(), []);
    const checked = report.analysis.entrypoints;
    for (const subpath of SUBPATHS) {
      const entry = checked[subpath];
      assert.ok(entry, `${subpath} checked`);
      assert.deepEqual(
        Object.keys(entry.resolutions).sort(),
        ['bundler', 'node10', 'node16-cjs', 'node16-esm'],
        `${subpath}: every resolution`,
      );
    }
  });

  it('smoke - the tarball installs into a fresh project; every entry imports as ESM and requires as CJS', () => {
    install();
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

  it('nest - a Nest-shaped project (module commonjs, default resolution) type-checks with liftbridge-rx/nestjs', () => {
    install();
    const nest = join(app, 'nest');
    mkdirSync(join(nest, 'src'), { recursive: true });
    // The compiler options `nest new` writes (no moduleResolution: node10).
    writeFileSync(
      join(nest, 'tsconfig.json'),
      `${JSON.stringify(
        {
          compilerOptions: {
            module: 'commonjs',
            declaration: true,
            removeComments: true,
            emitDecoratorMetadata: true,
            experimentalDecorators: true,
            allowSyntheticDefaultImports: true,
            target: 'ES2023',
            sourceMap: true,
            outDir: './dist',
            incremental: false,
            skipLibCheck: true,
            strictNullChecks: true,
            forceConsistentCasingInFileNames: true,
            noImplicitAny: true,
            noEmit: true,
          },
          include: ['src'],
        },
        null,
        2,
      )}\n`,
    );
    writeFileSync(
      join(nest, 'src', 'app.module.ts'),
      `import { Injectable, Module } from '@nestjs/common';
import { LiftbridgeClient, type Message } from 'liftbridge-rx';
import { LiftbridgeModule, LiftbridgeServer } from 'liftbridge-rx/nestjs';
import { FakeLiftbridgeClient } from 'liftbridge-rx/testing';
import type { Observable } from 'rxjs';

@Injectable()
export class Orders {
  constructor(private readonly client: LiftbridgeClient) {}
  tail(): Observable<Message> {
    return this.client.subscribe('orders');
  }
}

@Module({ imports: [LiftbridgeModule.forRoot({ brokers: ['localhost:9292'] })], providers: [Orders] })
export class AppModule {}

export const transport = new LiftbridgeServer({ brokers: ['localhost:9292'] });
export const fake: FakeLiftbridgeClient = new FakeLiftbridgeClient();
// The types are real (not any): a wrong call is an error.
// @ts-expect-error brokers must be a string array
LiftbridgeModule.forRoot({ brokers: 9292 });
`,
    );
    const res = run(
      process.execPath,
      [join(projectRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'],
      nest,
    );
    assert.equal(res.status, 0, res.out);
  });
});
