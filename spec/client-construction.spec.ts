/** LiftbridgeClient construction: seeds and options validated at the call site. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastValueFrom } from 'rxjs';
import { ErrorCode, LiftbridgeClient, LiftbridgeError } from '../lib/index.js';
import { DEFAULT_MAX_DECOMPRESSED_BYTES, resolveOptions } from '../lib/options.js';

function invalid(fn: () => unknown, mentions: string) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof LiftbridgeError, String(err));
    assert.equal(err.code, ErrorCode.InvalidArgument);
    assert.ok(err.message.includes(mentions), `"${err.message}" mentions ${mentions}`);
    return true;
  });
}

describe('client construction', () => {
  it('seeds - an empty list is rejected', () => invalid(() => new LiftbridgeClient([]), 'brokers'));
  it('seeds - a missing port is rejected, naming the seed', () =>
    invalid(() => new LiftbridgeClient(['127.0.0.1:9292', 'localhost']), 'brokers[1]'));
  it('seeds - a bad port is rejected', () =>
    invalid(() => new LiftbridgeClient(['h:99999']), '99999'));
  it('seeds - a non-numeric port is rejected', () =>
    invalid(() => new LiftbridgeClient(['h:abc']), 'abc'));
  it('seeds - a non-string seed is rejected', () =>
    invalid(() => new LiftbridgeClient([42 as unknown as string]), 'brokers[0]'));
  it('seeds - not an array is rejected', () =>
    invalid(() => new LiftbridgeClient('h:1' as unknown as string[]), 'brokers'));
  it('seeds - IPv6 and host names are accepted', () => {
    const c = new LiftbridgeClient(['[::1]:9292', 'broker-1.example:9292']);
    assert.equal(c.closed, false);
    void c.close();
  });
  it('options - a bad compression is rejected', () =>
    invalid(() => new LiftbridgeClient(['h:1'], { compression: 'gzip' as 'zlib' }), 'compression'));
  it('options - a negative ackTimeout is rejected', () =>
    invalid(() => new LiftbridgeClient(['h:1'], { ackTimeout: -5 }), 'ackTimeout'));

  it('close - is idempotent, and operations after it fail with CLIENT_CLOSED', async () => {
    const c = new LiftbridgeClient(['127.0.0.1:1']);
    await c.close();
    await c.close();
    assert.equal(c.closed, true);
    await assert.rejects(lastValueFrom(c.fetchMetadata()), (err: unknown) => {
      assert.ok(err instanceof LiftbridgeError);
      assert.equal(err.code, ErrorCode.Closed);
      return true;
    });
    await assert.rejects(lastValueFrom(c.publish('x', { stream: 's' })), {
      code: ErrorCode.Closed,
    });
    await assert.rejects(lastValueFrom(c.subscribe('s')), { code: ErrorCode.Closed });
  });

  it('close - await using closes the client at scope exit', async () => {
    let kept: LiftbridgeClient | undefined;
    {
      await using c = new LiftbridgeClient(['127.0.0.1:1']);
      kept = c;
      assert.equal(c.closed, false);
    }
    assert.equal(kept?.closed, true);
  });

  it('unreachable seeds - an operation fails with UNAVAILABLE naming the seeds within connectTimeout, no hang', async () => {
    const c = new LiftbridgeClient(['127.0.0.1:1', '127.0.0.1:2'], { connectTimeout: 300 });
    const t0 = Date.now();
    await assert.rejects(lastValueFrom(c.fetchMetadata()), (err: unknown) => {
      assert.ok(err instanceof LiftbridgeError);
      assert.equal(err.code, ErrorCode.Unavailable);
      assert.match(err.message, /connectTimeout \(300 ms\).*127\.0\.0\.1:1.*127\.0\.0\.1:2/);
      return true;
    });
    assert.ok(Date.now() - t0 < 3000, `fails within about connectTimeout (${Date.now() - t0} ms)`);
    await c.close();
  });

  it('unreachable seeds - a publish is never sent and fails UNAVAILABLE (not ACK_TIMEOUT)', async () => {
    const c = new LiftbridgeClient(['127.0.0.1:1'], { connectTimeout: 300, ackTimeout: 500 });
    await assert.rejects(lastValueFrom(c.publish('x', { stream: 's' })), (err: unknown) => {
      assert.ok(err instanceof LiftbridgeError);
      assert.equal(err.code, ErrorCode.Unavailable);
      assert.match(err.message, /not sent/);
      return true;
    });
    await c.close();
  });

  it('signal - aborting closes the client: a pending call ends with CLIENT_CLOSED, status$ says closed', async () => {
    const abort = new AbortController();
    const c = new LiftbridgeClient(['127.0.0.1:1'], { signal: abort.signal });
    const events: string[] = [];
    c.status$.subscribe((s) => events.push(s.type));
    const pending = lastValueFrom(c.fetchMetadata());
    setTimeout(() => abort.abort(), 100);
    await assert.rejects(pending, { code: ErrorCode.Closed });
    assert.equal(c.closed, true);
    assert.deepEqual(events, ['closed']);
    const already = new LiftbridgeClient(['127.0.0.1:1'], { signal: AbortSignal.abort() });
    assert.equal(already.closed, true);
    await assert.rejects(lastValueFrom(already.fetchMetadata()), { code: ErrorCode.Closed });
  });

  it('options - connectTimeout, metadataRefreshInterval and signal are checked', () => {
    for (const options of [
      { connectTimeout: 0 },
      { metadataRefreshInterval: -1 },
      { signal: {} as AbortSignal },
    ]) {
      assert.throws(() => new LiftbridgeClient(['127.0.0.1:1'], options), {
        code: ErrorCode.InvalidArgument,
      });
    }
  });

  it('options - maxDecompressedBytes must be a positive integer (default 64 MiB)', () => {
    for (const bad of [
      0,
      -1,
      1.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      '1024' as unknown as number,
    ]) {
      invalid(
        () => new LiftbridgeClient(['127.0.0.1:1'], { maxDecompressedBytes: bad }),
        'options.maxDecompressedBytes',
      );
    }
    assert.equal(DEFAULT_MAX_DECOMPRESSED_BYTES, 64 * 1024 * 1024);
    assert.equal(resolveOptions(['127.0.0.1:1']).maxDecompressedBytes, 64 * 1024 * 1024);
    assert.equal(
      resolveOptions(['127.0.0.1:1'], { maxDecompressedBytes: 1024 }).maxDecompressedBytes,
      1024,
    );
  });
});
