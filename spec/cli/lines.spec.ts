/** Input lines: split as bytes, CRLF, a last line without newline, stop on abort. */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { lines } from '../../lib/cli/lines.js';

async function collect(chunks: (string | Uint8Array)[]): Promise<string[]> {
  async function* source() {
    yield* chunks;
  }
  const out: string[] = [];
  for await (const line of lines(source())) out.push(Buffer.from(line).toString('latin1'));
  return out;
}

describe('cli lines', () => {
  it('lines - split across chunks, CRLF, blank lines, a last line without newline', async () => {
    assert.deepEqual(await collect(['a\nb', 'c\r\n\n', 'd\r', '\ne']), ['a', 'bc', '', 'd', 'e']);
    assert.deepEqual(await collect(['x\n']), ['x'], 'no empty line after the last newline');
    assert.deepEqual(await collect([]), []);
  });

  it('lines - bytes pass through undecoded', async () => {
    const [line] = await collect([Buffer.from([0xff, 0x00, 0x0a])]);
    assert.equal(line, '\u00ff\u0000');
  });

  it('lines - an abort ends it at once, even while waiting for input, and releases the input', async () => {
    const input = new PassThrough();
    const controller = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const line of lines(input, { signal: controller.signal })) {
        seen.push(Buffer.from(line).toString());
      }
    })();
    input.write('first\n');
    while (seen.length === 0) await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    await done;
    assert.deepEqual(seen, ['first']);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(input.destroyed, true, 'the input stream is released');
  });

  it('lines - reads only as fast as lines are consumed', async () => {
    const input = new PassThrough({ highWaterMark: 64 });
    let written = 0;
    const writer = (async () => {
      for (let i = 0; i < 1000; i++) {
        written += 1;
        if (!input.write('0123456789\n')) await new Promise((r) => input.once('drain', r));
      }
      input.end();
    })();
    const iterator = lines(input)[Symbol.asyncIterator]();
    assert.equal(Buffer.from((await iterator.next()).value ?? []).toString(), '0123456789');
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.ok(written < 100, `the writer was held back after ${written} of 1000 lines`);
    let rest = 0;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) rest += 1;
    await writer;
    assert.equal(rest, 999, 'every line arrives once read');
  });
});
