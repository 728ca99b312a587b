/**
 * The floor: bare node:http2 doing what the rx peer does on the wire, and
 * nothing else. bench-pub writes the same PublishAsync requests (256 B
 * values, a correlation id each, gRPC-framed by hand), one write per
 * request, the next one as each response arrives (at most --inflight
 * unanswered), and only counts the responses (no decoding); bench-sub
 * reads a Subscribe from EARLIEST and only counts the messages. What rx
 * costs above this is the client's own work. Same flags and JSON line as
 * the other peers (`npm run bench -- ab --peers floor,rx,go ...`).
 */
import http2 from 'node:http2';
import { parseArgs } from 'node:util';
import { mark, PEER_OPTIONS, payloads, type Result, result, since } from '../rx/measure.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: PEER_OPTIONS,
});
const command = positionals[0];
const stream = values.stream as string;
const count = Number(values.count);
const size = Number(values.size);
const inflight = Number(values.inflight);
const warmup = Number(values.warmup);
const address = (values.brokers ?? '').split(',')[0] as string;
/** As the rx client's sessions (raw-call.ts): a 1 MiB receive window. */
const WINDOW = 1024 * 1024;

function varint(out: number[], v: number): void {
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

function field(out: number[], tag: number, bytes: Uint8Array): void {
  out.push(tag);
  varint(out, bytes.length);
  for (const b of bytes) out.push(b);
}

/** A gRPC-framed message from its protobuf bytes. */
function framed(body: number[]): Buffer {
  const buf = Buffer.allocUnsafe(5 + body.length);
  buf[0] = 0;
  buf.writeUInt32BE(body.length, 1);
  Buffer.from(body).copy(buf, 5);
  return buf;
}

/** PublishRequest{value (2), stream (3), correlationId (7)}, AckPolicy LEADER (0, the default). */
function publishRequest(value: Uint8Array, id: number): Buffer {
  const body: number[] = [];
  field(body, 0x12, value);
  field(body, 0x1a, Buffer.from(stream));
  field(body, 0x3a, Buffer.from(String(id)));
  return framed(body);
}

function session(): Promise<http2.ClientHttp2Session> {
  const s = http2.connect(`http://${address}`, { settings: { initialWindowSize: WINDOW } });
  return new Promise((resolve, reject) => {
    s.once('connect', () => {
      s.setLocalWindowSize(WINDOW);
      resolve(s);
    });
    s.once('error', reject);
  });
}

function call(s: http2.ClientHttp2Session, method: string): http2.ClientHttp2Stream {
  return s.request(
    {
      ':method': 'POST',
      ':path': `/proto.API/${method}`,
      'content-type': 'application/grpc',
      te: 'trailers',
    },
    { endStream: false },
  );
}

/** Counts the gRPC messages in a response's DATA (prefixes only); calls `each(n)` per chunk. */
function counter(each: (messages: number) => void): (chunk: Buffer) => void {
  let skip = 0; // bytes of the current message still to come
  let header: number[] = [];
  return (chunk) => {
    let at = 0;
    let n = 0;
    while (at < chunk.length) {
      if (skip > 0) {
        const take = Math.min(skip, chunk.length - at);
        skip -= take;
        at += take;
        continue;
      }
      header.push(chunk[at] as number);
      at += 1;
      if (header.length === 5) {
        skip = Buffer.from(header).readUInt32BE(1);
        header = [];
        n += 1;
      }
    }
    each(n);
  };
}

/** Publishes `n` requests over one PublishAsync call, --inflight at a time. */
async function publish(s: http2.ClientHttp2Session, n: number, data: Buffer[]): Promise<void> {
  const req = call(s, 'PublishAsync');
  let sent = 0;
  let acked = 0;
  await new Promise<void>((resolve, reject) => {
    req.on('error', reject);
    req.on(
      'data',
      counter((k) => {
        acked += k;
        // One write per request, as each response makes room.
        for (let i = 0; i < k && sent < n; i++) req.write(data[sent++ % data.length]);
        if (acked >= n) resolve();
      }),
    );
    while (sent < Math.min(n, inflight)) req.write(data[sent++ % data.length]);
  });
  req.close(http2.constants.NGHTTP2_CANCEL);
}

async function subscribe(s: http2.ClientHttp2Session, n: number): Promise<number> {
  const body: number[] = [];
  field(body, 0x0a, Buffer.from(stream));
  body.push(0x18, 2); // startPosition EARLIEST
  body.push(0x40, 1); // stopPosition STOP_OFFSET
  body.push(0x48);
  varint(body, n - 1); // stopOffset
  const req = call(s, 'Subscribe');
  req.end(framed(body));
  let got = 0;
  await new Promise<void>((resolve, reject) => {
    req.on('error', reject);
    req.on(
      'data',
      counter((k) => {
        got += k;
      }),
    );
    req.on('end', () => resolve());
    req.on('close', () => resolve());
  });
  // The server's first message is an empty one: the subscription is open.
  return got - 1;
}

async function main(): Promise<Result> {
  const s = await session();
  try {
    if (command === 'bench-pub') {
      const values = payloads(Math.min(count, 4096), size);
      const data = values.map((v, i) => publishRequest(v, i));
      if (warmup > 0) await publish(s, warmup, data);
      const start = mark();
      await publish(s, count, data);
      const fields = { client: 'rx' as const, workload: 'pub-bulk', messages: count };
      return result(
        { ...fields, bytes: count * size, latencyP50Ms: null, latencyP99Ms: null },
        since(start),
      );
    }
    if (command === 'bench-sub') {
      const start = mark();
      const got = await subscribe(s, count);
      return result(
        {
          client: 'rx',
          workload: 'sub',
          messages: got,
          bytes: got * size,
          latencyP50Ms: null,
          latencyP99Ms: null,
        },
        since(start),
      );
    }
    throw new Error(`unknown command ${String(command)}`);
  } finally {
    s.destroy();
  }
}

main().then(
  (r) => console.log(JSON.stringify(r)),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
