/**
 * The demos are part of the product: `npm run demo` end to end, and the
 * seed behaviours (10 acks; subcursor prints every message exactly once
 * across runs).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../scripts/testbed/paths.js';
import { useServer } from './helpers/server.js';

function runDemo(name: string, brokers: string[]): string[] {
  const res = spawnSync(process.execPath, [join(projectRoot, '.build', 'demos', `${name}.js`)], {
    cwd: projectRoot,
    env: { ...process.env, LIFTBRIDGE_BROKERS: brokers.join(',') },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(res.status, 0, `demo ${name} failed: ${res.stderr}`);
  return res.stdout.trim().split('\n').filter(Boolean);
}

describe('demos', () => {
  it('npm run demo - runs every demo in order against a server it starts', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, LIFTBRIDGE_RX_SKIP_BUILD: '1' };
    delete env['LIFTBRIDGE_BROKERS'];
    const res = spawnSync(process.execPath, [join(projectRoot, 'scripts', 'demo.mjs')], {
      cwd: projectRoot,
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(res.status, 0, res.stderr);
    const out = res.stdout;
    const list: string[] = JSON.parse(
      readFileSync(join(projectRoot, 'demos', 'list.json'), 'utf8'),
    );
    // Every top-level demo is listed; a listed demo may also live in a
    // sub-folder (modules and apps there need not be listed).
    const files = readdirSync(join(projectRoot, 'demos'))
      .filter((f) => f.endsWith('.ts') && f !== 'brokers.ts')
      .map((f) => f.replace(/\.ts$/, ''));
    for (const file of files) assert.ok(list.includes(file), `demos/list.json names ${file}`);
    for (const name of list)
      assert.ok(existsSync(join(projectRoot, 'demos', `${name}.ts`)), `demos/${name}.ts exists`);
    for (const demo of list) {
      assert.match(out, new RegExp(`== demo: ${demo}`));
    }
    assert.equal((out.match(/^ack: offset \d+/gm) ?? []).length, 10, 'bulk prints 10 acks');
    assert.match(out, /read back intact: true/);
    assert.match(
      out,
      /^over the cap: \d+ bytes as stored, encoding zlib$/m,
      'maxDecompressedBytes',
    );
    assert.match(out, /acked 5000 messages, never more than (\d|[1-5]\d|6[0-4]) in flight/);
    assert.match(out, /stream test deleted/);
    assert.match(out, /^connected to 127\.0\.0\.1:\d+$/m, 'status$: connected');
    assert.match(out, /^metadata: 1 broker\(s\)$/m, 'status$: metadataUpdated');
    assert.match(out, /^client closed$/m, 'status$: closed');
    assert.match(out, /^no broker: UNAVAILABLE$/m, 'connectTimeout');
    assert.match(out, /^aborted: CLIENT_CLOSED$/m, 'signal');
    assert.match(out, /^subscription completed$/m, 'drain: the live subscription completed');
    assert.match(out, /^drained: 100 publishes acked, client closed: true$/m, 'drain');
    assert.match(out, /^after drain: CLIENT_CLOSED$/m, 'drain: later publishes');
    assert.match(out, /^liftbridge: connected to 127\.0\.0\.1:\d+$/m, 'logger: console');
    assert.match(
      out,
      /^ {2}checkout \(INTERNAL\)\n {4}send <stream> \(PRODUCER, offset 0\)\n {6}process <stream> \(CONSUMER, offset 0\)\n {8}billing handles it \(INTERNAL\)\n {6}process <stream> \(CONSUMER, offset 0\)\n {8}shipping handles it \(INTERNAL\)$/m,
      'otel: one trace, a producer and two consumers',
    );
    assert.match(out, /^one trace: 6 spans$/m);
    const byKey = /^by key: partitions (\d) (\d) (\d) (\d) (\d) (\d)$/m.exec(out);
    assert.ok(byKey, 'partitions demo: by key');
    assert.deepEqual(byKey.slice(1, 4), byKey.slice(4, 7), 'a key keeps its partition');
    assert.match(
      out,
      /tick 0 -> partition (\d)\n.*tick 1 -> partition (?!\1)\d\n.*tick 2 -> partition/,
    );
    assert.match(out, /^custom: partition 2$/m);
    assert.match(out, /^all partitions: 10 messages from partitions 0 1 2$/m);
    assert.match(out, /^acked by alerts-(ops|audit) at offset 0$/m);
    assert.match(out, /^alerts-ops stored: disk 91% full$/m);
    assert.match(out, /^alerts-audit stored: disk 91% full$/m);
    assert.match(
      out,
      /^envelope header: b90e43b4000c0100[0-9a-f]{8}$/m,
      'magic, v0, 12, CRC flag, publish',
    );
    assert.match(out, /^decoded: publish order-1, ack policy ALL$/m);
    assert.match(out, /^activity: streamCreated, streamPaused, streamDeleted$/m);
    assert.match(out, /^messages: handled 200, then break$/m, 'flow: messages()');
    assert.match(out, /^consume: handled 2000, at most 4 at once$/m, 'flow: consume()');
    assert.match(
      out,
      /^flow-controlled: billed 40 jobs, at most 2 at once$/m,
      'groups: consumeGroup()',
    );
    assert.match(out, /^resumed after \d:\d,\d:\d: 5 events$/m, 'sse: Last-Event-ID');
    assert.match(out, /^each of the 8 events once: true$/m, 'sse: no gap, no duplicate');
    assert.match(out, /^pipeline: published 5 orders$/m);
    assert.match(out, /^pipeline: handled a:1 b:2 a:3 c:4 b:5; commits at 2, 4$/m);
    assert.match(out, /^pipeline: a second run resumed and committed 5$/m);
  });

  it('subcursor - across runs every message is printed exactly once', async () => {
    const server = await useServer();
    const brokers = server.brokers;
    runDemo('create', brokers);
    runDemo('bulk', brokers);
    const first = runDemo('subcursor', brokers);
    assert.deepEqual(
      first,
      Array.from({ length: 10 }, (_, i) => `${i}: msg${i}`),
    );
    assert.deepEqual(runDemo('subcursor', brokers), [], 'nothing new, nothing printed again');
    runDemo('bulk', brokers);
    const third = runDemo('subcursor', brokers);
    assert.deepEqual(
      third,
      Array.from({ length: 10 }, (_, i) => `${i + 10}: msg${i}`),
    );
    runDemo('delete', brokers);
  });
});
