/**
 * No leaked handles: a process that used every kind of operation exits on
 * its own once the client is closed (no process.exit, no timers left).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { childScript, runChild } from '../helpers/exit/index.js';
import { useServer } from '../helpers/server.js';

const script = childScript('use-and-close');

describe('process exit', async () => {
  const server = await useServer();

  for (const mode of ['close', 'drain', 'sse', 'await-using']) {
    it(`exit - after ${mode}, a process that published, bulk-published, subscribed and used cursors exits by itself`, async () => {
      const { code, ms, out } = await runChild(script, [server.brokers.join(','), mode], {
        killAfterMs: 20_000,
      });
      assert.equal(code, 0, `exit code (killed after 20 s if it hung): ${out}`);
      assert.match(out, /done/);
      assert.ok(ms < 15_000, `exited in ${ms} ms`);
    });
  }

  it('exit - control: without close() the process stays alive (so the check above can fail)', async () => {
    const { code, out } = await runChild(script, [server.brokers.join(','), 'no-close'], {
      killAfterMs: 60_000,
      afterDoneMs: 3000,
    });
    assert.match(out, /done/);
    assert.equal(code, null, 'killed 3 s after its work, still running');
  });
});
