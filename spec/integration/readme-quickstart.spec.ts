/**
 * The README's first code block runs as written: saved as a .mjs file and
 * run by node against a real server. It imports 'liftbridge-rx', which
 * resolves to the built package (dist/) through package.json "exports", as
 * the file sits inside this package (Node's self-reference); the broker
 * address comes from LIFTBRIDGE_BROKERS, which the example reads.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../../scripts/testbed/paths.js';
import { useServer } from '../helpers/server.js';

describe('README quick start', { timeout: 120_000 }, async () => {
  const server = await useServer();

  it('README - the first code block runs as a .mjs file: creates, publishes, reads back, exits', () => {
    const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
    const block = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(block, 'the README has a js block');
    const dir = join(projectRoot, '.build', 'readme-quickstart');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'hello.mjs');
    writeFileSync(file, block);
    try {
      const res = spawnSync(process.execPath, [file], {
        cwd: dir,
        env: { ...process.env, LIFTBRIDGE_BROKERS: server.brokers.join(',') },
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(res.status, 0, `exit ${res.status}: ${res.stderr}`);
      assert.deepEqual(res.stdout.trim().split('\n'), [
        'published "hello" at offset 0',
        'published "world" at offset 1',
        'received 0: hello, 1: world',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
