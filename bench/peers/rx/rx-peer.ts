/**
 * The liftbridge-rx side of the benchmarks: the same subcommands and JSON
 * line as the Go and Gufo peers, run in its own process so CPU and RSS are
 * the client's alone.
 */
import { parseArgs } from 'node:util';
import { lastValueFrom, map, reduce } from 'rxjs';
import { type Ack, LiftbridgeClient, publishBulkFrom } from '../../../lib/index.js';
import { mark, PEER_OPTIONS, payloads, percentile, type Result, result, since } from './measure.js';
import { type SlowMode, type SlowResult, slowConsumer } from './slow-consumer.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    ...PEER_OPTIONS,
    mode: { type: 'string', default: 'messages' },
    seconds: { type: 'string', default: '30' },
    'handler-ms': { type: 'string', default: '1' },
    'cap-mb': { type: 'string', default: '1024' },
    ids: { type: 'string', default: 'client' },
  },
});
const command = positionals[0];
const stream = values.stream as string;
const count = Number(values.count);
const size = Number(values.size);
const inflight = Number(values.inflight);
const warmup = Number(values.warmup);
const named = values.ids === 'named';
// With the OpenTelemetry SDK and LiftbridgeInstrumentation enabled (not loaded otherwise).
if (process.env['LIFTBRIDGE_RX_BENCH_OTEL'] === '1') await import('./otel-sdk.js');
const client = new LiftbridgeClient((values.brokers ?? '').split(','));

/**
 * Publishes `n` messages through publishBulkFrom (the request is built when
 * the window has room, so latency is the ack latency, not queueing time);
 * returns the ack latencies (ms). Correlation ids are the client's own, as
 * the Go peer's are go-liftbridge's: the k-th ack is the k-th request's
 * (one partition acks in the order written; checked by offset). With
 * `--ids named`, each request names its id (String(i)) and latencies are
 * matched by it: the path of callers who name ids (the publisher then
 * refuses an id already in flight, which costs a Map entry per request).
 */
async function bulk(n: number, data: Uint8Array[]): Promise<Float64Array> {
  const sent = new Float64Array(n);
  const latency = new Float64Array(n);
  function* requests() {
    for (let i = 0; i < n; i++) {
      sent[i] = performance.now();
      const value = data[i % data.length] as Uint8Array;
      yield client.getPublishRequest(
        value,
        named ? { stream, correlationId: String(i) } : { stream },
      );
    }
  }
  let acked = 0;
  let lastOffset = -1n;
  await lastValueFrom(
    publishBulkFrom(client, requests(), { concurrency: inflight }).pipe(
      map((ack: Ack) => {
        if (ack.offset <= lastOffset) throw new Error(`ack out of order: ${ack.offset}`);
        lastOffset = ack.offset;
        const i = named ? Number(ack.correlationId) : acked;
        acked += 1;
        latency[i] = performance.now() - (sent[i] as number);
      }),
    ),
    { defaultValue: undefined },
  );
  return latency;
}

/** 1M (`count`) messages from a lazy source: the window bounds in-flight requests and memory. */
async function memory(n: number, data: Uint8Array[]): Promise<number> {
  let maxInFlight = 0;
  function* requests() {
    for (let i = 0; i < n; i++) {
      maxInFlight = Math.max(maxInFlight, client.publishesInFlight);
      yield client.getPublishRequest(data[i % data.length] as Uint8Array, { stream });
    }
  }
  await lastValueFrom(publishBulkFrom(client, requests(), { concurrency: inflight }), {
    defaultValue: undefined,
  });
  return maxInFlight;
}

async function sync(n: number, data: Uint8Array[]): Promise<Float64Array> {
  const latency = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await lastValueFrom(client.publish(data[i % data.length] as Uint8Array, { stream }));
    latency[i] = performance.now() - t;
  }
  return latency;
}

/**
 * Unary round trips, one at a time: FetchMetadata of one stream and
 * FetchPartitionMetadata of its partition 0, alternately; returns each
 * call's latency (ms).
 */
async function unary(n: number): Promise<Float64Array> {
  const latency = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    if (i % 2 === 0) await lastValueFrom(client.fetchMetadata([stream]));
    else await lastValueFrom(client.fetchPartitionMetadata(stream, 0));
    latency[i] = performance.now() - t;
  }
  return latency;
}

async function main(): Promise<Result | SlowResult> {
  if (command === 'bench-slow') {
    // Connected before the baseline RSS is taken.
    await lastValueFrom(client.fetchMetadata([stream]));
    return slowConsumer(client, {
      stream,
      mode: values.mode as SlowMode,
      seconds: Number(values.seconds),
      handlerMs: Number(values['handler-ms']),
      capMb: Number(values['cap-mb']),
    });
  }
  if (command === 'bench-unary') {
    if (warmup > 0) await unary(warmup);
    const start = mark();
    const latency = await unary(count);
    const used = since(start); // before the percentiles' sorting, as the Go peer does
    return result(
      {
        client: 'rx',
        workload: 'unary',
        messages: count,
        bytes: 0,
        latencyP50Ms: percentile(latency, 0.5),
        latencyP99Ms: percentile(latency, 0.99),
      },
      used,
    );
  }
  const data = payloads(Math.min(count, 4096), size);
  if (command === 'bench-pub' || command === 'bench-sync') {
    const run = command === 'bench-pub' ? bulk : sync;
    if (warmup > 0) await run(warmup, data);
    const start = mark();
    const latency = await run(count, data);
    const used = since(start); // before the percentiles' sorting, as the Go peer does
    return result(
      {
        client: 'rx',
        workload: command === 'bench-pub' ? 'pub-bulk' : 'pub-sync',
        messages: count,
        bytes: count * size,
        latencyP50Ms: percentile(latency, 0.5),
        latencyP99Ms: percentile(latency, 0.99),
      },
      used,
    );
  }
  if (command === 'bench-mem') {
    const start = mark();
    const maxInFlight = await memory(count, data);
    return {
      ...result(
        {
          client: 'rx',
          workload: 'memory',
          messages: count,
          bytes: count * size,
          latencyP50Ms: null,
          latencyP99Ms: null,
        },
        since(start),
      ),
      maxInFlight,
    };
  }
  if (command === 'bench-sub') {
    const start = mark();
    const received = await lastValueFrom(
      client
        .subscribe(stream, {
          startPosition: 'EARLIEST',
          stopPosition: 'OFFSET',
          stopOffset: BigInt(count - 1),
        })
        .pipe(reduce((n) => n + 1, 0)),
    );
    return result(
      {
        client: 'rx',
        workload: 'sub',
        messages: received,
        bytes: received * size,
        latencyP50Ms: null,
        latencyP99Ms: null,
      },
      since(start),
    );
  }
  throw new Error(`unknown command ${String(command)}`);
}

main().then(
  async (result) => {
    await client.close();
    console.log(JSON.stringify(result));
  },
  async (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    await client.close();
    process.exitCode = 1;
  },
);
