/**
 * The testing kit never talks to a broker, so importing it must load no
 * gRPC code: a child `node` imports the built entry (dist/, from
 * `node scripts/build.mjs`) with a module-resolution hook and the CommonJS
 * cache watched, and reports every module it loaded.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../../scripts/testbed/paths.js';

/** Modules the kit must not load: grpc-js, protobufjs (and its @protobufjs parts), long. */
const WIRE = /[\\/]node_modules[\\/](@grpc[\\/]|protobufjs[\\/]|@protobufjs[\\/]|long[\\/])/;

/** Records every resolved ESM URL (off-thread hooks, reported through a port). */
const HOOKS = `
let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  port.postMessage(result.url);
  return result;
}
`;

/**
 * Imports TARGET (then runs AFTER, if set), and prints as JSON every module
 * loaded: ESM URLs seen by the hook and the CommonJS cache's files.
 */
const TRACE = `
import { createRequire, register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
const seen = new Set();
port1.on('message', (url) => seen.add(url.startsWith('file:') ? fileURLToPath(url) : url));
port1.unref();
register('./hooks.mjs', import.meta.url, { data: { port: port2 }, transferList: [port2] });
const entry = await import(process.env.TARGET);
if (process.env.AFTER === 'client') await new entry.LiftbridgeClient(['127.0.0.1:1']).close();
await new Promise((resolve) => setTimeout(resolve, 50));
const cache = Object.keys(createRequire(import.meta.url).cache);
console.log(JSON.stringify([...seen, ...cache]));
`;

const work = mkdtempSync(join(tmpdir(), 'lbrx-no-grpc-'));
writeFileSync(join(work, 'hooks.mjs'), HOOKS);
writeFileSync(join(work, 'trace.mjs'), TRACE);

/** Every module file a child node loaded importing `entry` (a dist/ path). */
function loadedBy(entry: string, after?: 'client'): string[] {
  const file = join(projectRoot, 'dist', entry);
  assert.ok(existsSync(file), `${file} is missing: run node scripts/build.mjs first`);
  const env = { ...process.env, TARGET: pathToFileURL(file).href, AFTER: after ?? '' };
  const res = spawnSync(process.execPath, [join(work, 'trace.mjs')], {
    cwd: projectRoot,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(res.status, 0, res.stderr);
  return JSON.parse(res.stdout.trim().split('\n').at(-1) ?? '[]') as string[];
}

describe('testing kit - loads no gRPC code', () => {
  after(() => rmSync(work, { recursive: true, force: true }));

  for (const entry of ['esm/testing/index.js', 'cjs/testing/index.js']) {
    it(`${entry} - loads rxjs and the kit, and nothing under @grpc/, protobufjs or long`, () => {
      const loaded = loadedBy(entry);
      assert.ok(
        loaded.some((f) => /[\\/]node_modules[\\/]rxjs[\\/]/.test(f)),
        'the trace saw no rxjs module: it is not tracing',
      );
      assert.ok(loaded.some((f) => f.endsWith(join('testing', 'fake-client.js'))));
      assert.deepEqual(
        loaded.filter((f) => WIRE.test(f)),
        [],
      );
    });
  }

  it('the main entry - loads grpc-js only once a LiftbridgeClient is constructed', () => {
    assert.deepEqual(
      loadedBy('esm/index.js').filter((f) => WIRE.test(f)),
      [],
    );
    assert.ok(
      loadedBy('esm/index.js', 'client').some((f) => /[\\/]@grpc[\\/]grpc-js[\\/]/.test(f)),
    );
  });
});
