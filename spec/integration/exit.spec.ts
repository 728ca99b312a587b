/**
 * No leaked handles: a process that used every kind of operation exits on
 * its own once the client is closed (no process.exit, no timers left).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { childScript } from '../helpers/exit/index.js';
import { useServer } from '../helpers/server.js';

const script = childScript('use-and-close');

function run(
  brokers: string[],
  mode: string,
  killAfterMs = 20_000,
): Promise<{ code: number | null; ms: number; out: string }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [script, brokers.join(','), mode], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, ms: Date.now() - t0, out });
    });
  });
}

describe('process exit', async () => {
  const server = await useServer();

  for (const mode of ['close', 'drain', 'sse', 'await-using']) {
    it(`exit - after ${mode}, a process that published, bulk-published, subscribed and used cursors exits by itself`, async () => {
      const { code, ms, out } = await run(server.brokers, mode);
      assert.equal(code, 0, `exit code (killed after 20 s if it hung): ${out}`);
      assert.match(out, /done/);
      assert.ok(ms < 15_000, `exited in ${ms} ms`);
    });
  }

  it('exit - control: without close() the process stays alive (so the check above can fail)', async () => {
    const { code, out } = await run(server.brokers, 'no-close', 4000);
    assert.match(out, /done/);
    assert.equal(code, null, 'killed after 4 s, still running');
  });
});
