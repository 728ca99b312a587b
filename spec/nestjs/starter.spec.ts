/**
 * A fresh Nest 12 application, as `nest new` makes it, using the packed
 * package: the ESM starter ("type": "module", module nodenext, TypeScript
 * 6, strict, vitest) and a CommonJS one, both built from the sources in
 * demos/nestjs-app/src. Each is type-checked, runs its own unit test
 * (vitest, the fake client through Test.createTestingModule(...)
 * .overrideProvider(LiftbridgeClient)), and runs as a hybrid HTTP +
 * Liftbridge application against a real server: POST /orders answers with
 * the ack as JSON, the handler gets the order (and a JSON value published
 * without a content-type header, parsed), a batch handler commits by hand
 * and dead-letters a failing batch, GET /health is up.
 *
 * The package is built into a temporary folder and packed there (`npm pack
 * --ignore-scripts`: dist/ stays as other specs read it). The starter's
 * dependencies are installed once into .cache/nest-starter/<hash of their
 * versions> (git-ignored; CI starts without it), and the apps live below
 * that folder, so Node and TypeScript find them by walking up.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { first, lastValueFrom } from 'rxjs';
import { type Message, StartPosition } from '../../lib/index.js';
import { DEAD_LETTER_ERROR_HEADER, DEAD_LETTER_ORIGIN_HEADER } from '../../lib/nestjs/index.js';
import { projectRoot } from '../../scripts/testbed/paths.js';
import { useServer } from '../helpers/server.js';
import { until } from './helpers.js';

const header = (m: Message, name: string) => {
  const v = m.headers.get(name);
  return v === undefined ? undefined : Buffer.from(v).toString();
};

/** Versions of what npm serves for a Nest 12 starter (checked with `npm view`). */
const TOOLS: Record<string, string> = {
  typescript: '6.0.3',
  vitest: '4.1.12',
  vite: '8.4.0',
  '@types/node': '24.19.4',
};

const installed = (name: string): string =>
  (
    JSON.parse(readFileSync(join(projectRoot, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

/** The starter's dependencies: Nest (as this repo tests it), the tools, and the package's own dependencies. */
function dependencies(): Record<string, string> {
  const own = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const nest = [
    '@nestjs/common',
    '@nestjs/core',
    '@nestjs/microservices',
    '@nestjs/platform-express',
    '@nestjs/testing',
    'reflect-metadata',
    'rxjs',
  ];
  return {
    ...own.dependencies,
    ...Object.fromEntries(nest.map((name) => [name, installed(name)])),
    ...TOOLS,
  };
}

function run(cmd: string, args: string[], cwd: string, timeout = 170_000) {
  const res = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout });
  return { status: res.status, out: `${res.stdout ?? ''}${res.stderr ?? ''}${res.error ?? ''}` };
}

/** The folder holding the starter's node_modules, installed when missing. */
function dependencyFolder(): string {
  const deps = dependencies();
  const manifest = `${JSON.stringify({ name: 'nest-starter-deps', private: true, dependencies: deps }, null, 2)}\n`;
  const key = createHash('sha256').update(manifest).digest('hex').slice(0, 16);
  const folder = join(projectRoot, '.cache', 'nest-starter', key);
  if (existsSync(join(folder, 'node_modules', '.installed'))) return folder;
  // Installed beside, then renamed: a run killed mid-install leaves no half folder in use.
  const staging = `${folder}.${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, 'package.json'), manifest);
  const res = run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
    staging,
  );
  assert.equal(res.status, 0, `npm install of the starter's dependencies:\n${res.out}`);
  writeFileSync(join(staging, 'node_modules', '.installed'), manifest);
  rmSync(folder, { recursive: true, force: true });
  renameSync(staging, folder);
  return folder;
}

/** tsconfig.json of Nest 12's starter (strict), `types` as it has them for vitest. */
const TSCONFIG = {
  compilerOptions: {
    module: 'nodenext',
    moduleResolution: 'nodenext',
    resolvePackageJsonExports: true,
    esModuleInterop: true,
    isolatedModules: true,
    declaration: true,
    removeComments: true,
    emitDecoratorMetadata: true,
    experimentalDecorators: true,
    allowSyntheticDefaultImports: true,
    target: 'ES2023',
    sourceMap: true,
    outDir: './dist',
    rootDir: '.',
    incremental: true,
    skipLibCheck: true,
    strict: true,
    strictPropertyInitialization: false,
    types: ['vitest/globals', 'node'],
  },
};

const TSCONFIG_BUILD = {
  extends: './tsconfig.json',
  compilerOptions: { rootDir: './src' },
  include: ['src'],
  exclude: ['node_modules', 'test', 'dist', '**/*.spec.ts'],
};

const VITEST_CONFIG = `import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globals: true,
    root: './',
    include: ['**/*.spec.ts'],
  },
});
`;

/** Writes an app (ESM starter, or CommonJS) with the demo's sources and the packed package. */
function makeApp(dir: string, format: 'esm' | 'cjs', tarball: string): void {
  mkdirSync(join(dir, 'node_modules', 'liftbridge-rx'), { recursive: true });
  cpSync(join(projectRoot, 'demos', 'nestjs-app', 'src'), join(dir, 'src'), { recursive: true });
  const pkg = {
    name: `orders-${format}`,
    version: '0.0.1',
    private: true,
    ...(format === 'esm' ? { type: 'module' } : {}),
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify(TSCONFIG, null, 2)}\n`);
  writeFileSync(join(dir, 'tsconfig.build.json'), `${JSON.stringify(TSCONFIG_BUILD, null, 2)}\n`);
  // .mts: an ES module in the CommonJS app too.
  writeFileSync(join(dir, 'vitest.config.mts'), VITEST_CONFIG);
  // The packed package, as npm would unpack it (its dependencies are in the folder above).
  const untar = run(
    'tar',
    ['-xzf', tarball, '-C', join(dir, 'node_modules', 'liftbridge-rx'), '--strip-components=1'],
    dir,
  );
  assert.equal(untar.status, 0, untar.out);
}

/** Starts the built app; resolves with its URL once it listens. */
function startApp(
  dir: string,
  brokers: string[],
): Promise<{ url: string; child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: dir,
    env: { ...process.env, LIFTBRIDGE_BROKERS: brokers.join(','), PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`app did not listen:\n${output}`)), 60_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({ url: url.replace('[::1]', '127.0.0.1'), child, output: () => output });
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`app exited (${code}) before listening:\n${output}`));
    });
  });
}

describe('nestjs - Nest 12 starter apps (ESM and CommonJS) with the packed package', async () => {
  const server = await useServer();
  const client = server.client();
  const work = mkdtempSync(join(tmpdir(), 'lbrx-starter-'));
  let folder = '';
  let tarball = '';
  let apps = '';
  before(() => {
    const built = run(
      process.execPath,
      [join(projectRoot, 'scripts/build.mjs'), '--out', join(work, 'pkg', 'dist')],
      projectRoot,
    );
    assert.equal(built.status, 0, built.out);
    for (const file of ['package.json', 'README.md', 'LICENSE'])
      if (existsSync(join(projectRoot, file)))
        cpSync(join(projectRoot, file), join(work, 'pkg', file));
    cpSync(join(projectRoot, 'proto'), join(work, 'pkg', 'proto'), { recursive: true });
    const packed = run(
      'npm',
      ['pack', '--ignore-scripts', '--silent', '--pack-destination', work],
      join(work, 'pkg'),
    );
    assert.equal(packed.status, 0, packed.out);
    tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz')) ?? 'missing.tgz');
    folder = dependencyFolder();
    apps = mkdtempSync(join(folder, 'apps-'));
  });
  after(() => {
    rmSync(work, { recursive: true, force: true });
    if (apps) rmSync(apps, { recursive: true, force: true });
  });

  const tsc = () => join(folder, 'node_modules', 'typescript', 'bin', 'tsc');
  const vitest = () => join(folder, 'node_modules', 'vitest', 'vitest.mjs');

  for (const format of ['esm', 'cjs'] as const) {
    it(`starter (${format}) - type-checks (TS 6, strict, nodenext), passes its unit test with the fake client, and runs as a hybrid app`, {
      timeout: 240_000,
    }, async () => {
      const dir = join(apps, format);
      makeApp(dir, format, tarball);
      const version = run(process.execPath, [tsc(), '--version'], dir);
      assert.match(version.out, /Version 6\./);
      const checked = run(process.execPath, [tsc(), '-p', 'tsconfig.json', '--noEmit'], dir);
      assert.equal(checked.status, 0, `tsc --noEmit (${format}):\n${checked.out}`);
      const tested = run(process.execPath, [vitest(), 'run'], dir);
      assert.equal(tested.status, 0, `vitest (${format}):\n${tested.out}`);
      assert.match(tested.out, /1 passed/);
      const built = run(process.execPath, [tsc(), '-p', 'tsconfig.build.json'], dir);
      assert.equal(built.status, 0, `tsc build (${format}):\n${built.out}`);
      const emitted = readFileSync(join(dir, 'dist', 'main.js'), 'utf8');
      if (format === 'cjs') assert.match(emitted, /require\("liftbridge-rx\/nestjs"\)/);
      else assert.match(emitted, /from 'liftbridge-rx\/nestjs'/);

      const app = await startApp(dir, server.brokers);
      try {
        const id = format === 'esm' ? 1 : 2;
        const res = await fetch(`${app.url}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ id, item: 'tea' }),
        });
        const ack = (await res.json()) as Record<string, unknown>;
        assert.equal(res.status, 201, JSON.stringify(ack));
        assert.equal(ack['stream'], 'app-orders');
        assert.match(String(ack['offset']), /^\d+$/, 'the offset as a string');
        // Published without a content-type header (as the CLI or the Go client would): parsed too.
        await lastValueFrom(
          client.publish(JSON.stringify({ id: id + 10, item: 'cake' }), { stream: 'app-orders' }),
        );
        let handled: Array<Record<string, unknown>> = [];
        await until(async () => {
          handled = (await (await fetch(`${app.url}/orders/handled`)).json()) as typeof handled;
          return handled.some((o) => o['id'] === id + 10);
        }, `the handler of the ${format} app`);
        assert.deepEqual(
          handled
            .filter((o) => o['id'] === id || o['id'] === id + 10)
            .map((o) => [o['id'], o['item']]),
          [
            [id, 'tea'],
            [id + 10, 'cake'],
          ],
        );
        // Payments: a batch is committed by the handler; a failing one goes to the dead letters.
        const good = await lastValueFrom(
          client.publish(JSON.stringify({ order: id, amount: 5 }), { stream: 'app-payments' }),
        );
        await until(
          async () =>
            (await lastValueFrom(client.fetchCursor('app-payments', 0, 'payments-app'))) >=
            good.offset,
          'the payments handler commits',
        );
        const bad = await lastValueFrom(
          client.publish(JSON.stringify({ order: id, amount: 0 }), { stream: 'app-payments' }),
        );
        const letter = await lastValueFrom(
          client
            .subscribe('app-payments-dead', { startPosition: StartPosition.EARLIEST })
            .pipe(
              first((m) => header(m, DEAD_LETTER_ORIGIN_HEADER) === `app-payments/0/${bad.offset}`),
            ),
        );
        assert.match(header(letter, DEAD_LETTER_ERROR_HEADER) ?? '', /no positive amount/);
        const health = await fetch(`${app.url}/health`);
        assert.equal(health.status, 200);
        assert.deepEqual(
          ((await health.json()) as { liftbridge: { status: string } }).liftbridge.status,
          'up',
        );
      } finally {
        const exited = new Promise((resolve) => app.child.on('exit', resolve));
        app.child.kill('SIGTERM');
        await exited;
      }
    });
  }
});
