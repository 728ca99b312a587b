/**
 * Input lines as bytes, read only as fast as they are consumed (the
 * stream's async iterator reads the next chunk when asked), so stdin of any
 * size streams through bounded memory.
 */

/**
 * Splits byte chunks into lines without decoding them: `\n` ends a line, a
 * `\r` before it is dropped, and a last line without `\n` counts too. Blank
 * lines are lines (empty messages).
 * When `signal` aborts, it stops at once (even while waiting for input) and
 * releases the input: `destroy()` when it has one (a stream: its iterator's
 * `return()` would wait for the pending read), else the iterator's `return()`.
 *
 * @example
 * ```ts
 * for await (const line of lines(process.stdin)) console.log(line.length);
 * ```
 */
export async function* lines(
  input: AsyncIterable<Uint8Array | string> & { destroy?: () => unknown },
  options: { signal?: AbortSignal } = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const { signal } = options;
  const iterator = input[Symbol.asyncIterator]();
  const aborted = new Promise<IteratorResult<Uint8Array | string>>((resolve) => {
    const done = () => resolve({ done: true, value: undefined });
    if (signal?.aborted) done();
    else signal?.addEventListener('abort', done, { once: true });
  });
  let pending: Buffer | undefined;
  let finished = false;
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), aborted]);
      if (next.done) break;
      const raw = next.value;
      const chunk =
        typeof raw === 'string'
          ? Buffer.from(raw)
          : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
      let start = 0;
      for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
        const piece = chunk.subarray(start, nl);
        const line = pending ? Buffer.concat([pending, piece]) : piece;
        pending = undefined;
        start = nl + 1;
        yield withoutCr(line);
        if (signal?.aborted) return;
      }
      if (start < chunk.byteLength) {
        // Copied, so that a short tail does not keep the whole chunk alive.
        const tail = Buffer.from(chunk.subarray(start));
        pending = pending ? Buffer.concat([pending, tail]) : tail;
      }
    }
    finished = !signal?.aborted;
  } finally {
    // Stopped early (aborted, or the consumer returned): release the input.
    if (!finished) {
      if (typeof input.destroy === 'function') input.destroy();
      else void iterator.return?.()?.catch(() => undefined);
    }
  }
  if (pending && pending.byteLength > 0) yield withoutCr(pending);
}

function withoutCr(line: Buffer): Buffer {
  return line.byteLength > 0 && line[line.byteLength - 1] === 13 ? line.subarray(0, -1) : line;
}
