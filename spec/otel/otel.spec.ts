/**
 * liftbridge-rx/otel against a real server, with the OpenTelemetry SDK's
 * in-memory span and metric exporters: one trace from publisher to
 * consumers through the message headers, semantic-convention attributes,
 * metrics, disable(), uninstrumented messages, a user's own traceparent,
 * bulk publishing, publishToSubject, refused publishes, admin calls,
 * handleMessage.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { firstValueFrom, from, lastValueFrom, take, toArray } from 'rxjs';
import {
  ErrorCode,
  handleMessage,
  type LiftbridgeClient,
  type Message,
  publishBulk,
  StartPosition,
} from '../../lib/index.js';
import { MESSAGING_ATTRIBUTES as A, MESSAGING_METRICS as M } from '../../lib/otel/index.js';
import { uniqueName, useServer } from '../helpers/server.js';
import { until } from '../helpers/until.js';
import { setUpTelemetry } from './setup.js';

const telemetry = setUpTelemetry();
after(() => telemetry.shutdown());

const header = (m: Message, key: string) => {
  const v = m.headers.get(key);
  return v === undefined ? undefined : Buffer.from(v).toString();
};
const spanId = (s: ReadableSpan) => s.spanContext().spanId;
const traceId = (s: ReadableSpan) => s.spanContext().traceId;
const parentId = (s: ReadableSpan) => s.parentSpanContext?.spanId;

describe('otel - LiftbridgeInstrumentation against a real server', async () => {
  const server = await useServer();
  const client = server.client();
  const tracer = trace.getTracer('spec');

  async function stream(c: LiftbridgeClient = client): Promise<string> {
    const name = uniqueName('otel');
    await lastValueFrom(c.createStream(name));
    return name;
  }

  /** Reads `count` messages of `name` from the start. */
  const read = (name: string, count: number) =>
    lastValueFrom(
      client
        .subscribe(name, { startPosition: StartPosition.EARLIEST })
        .pipe(take(count), toArray()),
    );

  it('otel - the PRODUCER and CONSUMER spans share the trace through the traceparent header; attributes per the messaging conventions', async () => {
    const name = await stream();
    const ack = await tracer.startActiveSpan('checkout', async (parent) => {
      try {
        return await lastValueFrom(client.publish('order #1', { stream: name }));
      } finally {
        parent.end();
      }
    });
    const [message] = await read(name, 1);
    assert.ok(message);
    const producer = telemetry
      .spans()
      .find((s) => s.kind === SpanKind.PRODUCER && s.attributes[A.destination] === name);
    assert.ok(producer, 'a PRODUCER span');
    const checkout = telemetry.spans().find((s) => s.name === 'checkout');
    assert.ok(checkout);
    assert.equal(producer.name, `send ${name}`);
    assert.equal(parentId(producer), spanId(checkout), 'send is a child of the active span');
    assert.deepEqual(
      {
        system: producer.attributes[A.system],
        destination: producer.attributes[A.destination],
        partition: producer.attributes[A.partition],
        operation: producer.attributes[A.operationName],
        type: producer.attributes[A.operationType],
        id: producer.attributes[A.messageId],
        offset: producer.attributes[A.offset],
      },
      {
        system: 'liftbridge',
        destination: name,
        partition: '0',
        operation: 'send',
        type: 'send',
        id: ack.correlationId,
        offset: ack.offset.toString(),
      },
    );
    assert.equal(
      header(message, 'traceparent'),
      `00-${traceId(producer)}-${spanId(producer)}-01`,
      'W3C trace context in the headers',
    );
    await until(
      () =>
        telemetry
          .spans()
          .some((s) => s.kind === SpanKind.CONSUMER && s.attributes[A.destination] === name),
      'the CONSUMER span',
    );
    const consumer = telemetry
      .spans()
      .find((s) => s.kind === SpanKind.CONSUMER && s.attributes[A.destination] === name);
    assert.ok(consumer);
    assert.equal(consumer.name, `process ${name}`);
    assert.equal(traceId(consumer), traceId(producer), 'same trace');
    assert.equal(parentId(consumer), spanId(producer), 'child of the producer span');
    assert.equal(consumer.attributes[A.offset], ack.offset.toString());
    // The server does not keep a PublishAsync request's correlation id in the message.
    assert.equal(consumer.attributes[A.operationType], 'process');
  });

  it('otel - two consumers of one message: two CONSUMER spans under its PRODUCER span', async () => {
    const name = await stream();
    await lastValueFrom(client.publish('one', { stream: name }));
    await Promise.all([read(name, 1), read(name, 1)]);
    const producer = telemetry
      .spans()
      .find((s) => s.kind === SpanKind.PRODUCER && s.attributes[A.destination] === name);
    assert.ok(producer);
    const consumers = telemetry
      .spans()
      .filter((s) => s.kind === SpanKind.CONSUMER && s.attributes[A.destination] === name);
    assert.equal(consumers.length, 2);
    for (const c of consumers) assert.equal(parentId(c), spanId(producer));
  });

  it("otel - a user's own traceparent header is kept (and no tracestate is added to it)", async () => {
    const name = await stream();
    const own = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await lastValueFrom(client.publish('mine', { stream: name, headers: { traceparent: own } }));
    const [message] = await read(name, 1);
    assert.ok(message);
    assert.equal(header(message, 'traceparent'), own);
    assert.equal(header(message, 'tracestate'), undefined);
    await until(
      () =>
        telemetry
          .spans()
          .some((s) => s.kind === SpanKind.CONSUMER && s.attributes[A.destination] === name),
      'the CONSUMER span',
    );
    const consumer = telemetry
      .spans()
      .find((s) => s.kind === SpanKind.CONSUMER && s.attributes[A.destination] === name);
    assert.equal(consumer && traceId(consumer), '0af7651916cd43dd8448eb211c80319c');
  });

  it('otel - publishBulk: a PRODUCER span per request, each message with its own context', async () => {
    const name = await stream();
    const requests = ['a', 'b', 'c'].map((v) => client.getPublishRequest(v, { stream: name }));
    await lastValueFrom(from(requests).pipe(publishBulk(client), toArray()));
    const producers = telemetry
      .spans()
      .filter((s) => s.kind === SpanKind.PRODUCER && s.attributes[A.destination] === name);
    assert.equal(producers.length, 3);
    const messages = await read(name, 3);
    assert.deepEqual(
      messages.map((m) => header(m, 'traceparent')?.split('-')[2]),
      producers.map(spanId),
    );
  });

  it('otel - admin calls are CLIENT spans named by the RPC; a failed one is an error', async () => {
    const name = await stream();
    const create = telemetry.spans().find((s) => s.name === `CreateStream ${name}`);
    assert.ok(create);
    assert.equal(create.kind, SpanKind.CLIENT);
    assert.equal(create.attributes[A.rpcMethod], 'CreateStream');
    await assert.rejects(lastValueFrom(client.createStream(name)));
    const again = telemetry.spans().filter((s) => s.name === `CreateStream ${name}`);
    assert.equal(again.length, 2);
    assert.equal(again[1]?.status.code, 2 /* ERROR */);
    assert.equal(again[1]?.attributes[A.errorType], 'STREAM_EXISTS');
  });

  it('otel - handleMessage runs a handler in the consumer span context: its spans are children', async () => {
    const name = await stream();
    await lastValueFrom(client.publish('work', { stream: name }));
    const [message] = await read(name, 1);
    assert.ok(message);
    await handleMessage(message, async () => {
      await new Promise((r) => setImmediate(r)); // still in context after an await
      tracer.startSpan('handler work').end();
    });
    const consumer = telemetry
      .spans()
      .find((s) => s.kind === SpanKind.CONSUMER && s.attributes[A.destination] === name);
    const work = telemetry.spans().find((s) => s.name === 'handler work');
    assert.ok(consumer && work);
    assert.equal(parentId(work), spanId(consumer));
    assert.equal(trace.getActiveSpan(), undefined, "nothing leaked into the caller's context");
  });

  it('otel - metrics: sent and consumed messages, operation and process durations, consumer lag', async () => {
    const name = await stream();
    for (const v of ['1', '2', '3']) await lastValueFrom(client.publish(v, { stream: name }));
    // A live subscription that has read everything: lag 0 (high watermark 2, last delivered 2).
    const got: Message[] = [];
    const live = client
      .subscribe(name, { startPosition: StartPosition.EARLIEST })
      .subscribe((m) => got.push(m));
    await until(() => got.length === 3, 'three messages');
    await until(
      async () => (await telemetry.points(M.lag)).some((p) => p.attributes[A.destination] === name),
      'a lag observation',
    );
    live.unsubscribe();
    type Point = { value: unknown; attributes: Record<string, unknown> };
    const ours = (points: Point[]) => points.filter((p) => p.attributes[A.destination] === name);
    const total = (points: Point[]) => points.reduce((n, p) => n + Number(p.value), 0);
    const count = (points: Point[]) => (points[0]?.value as { count: number } | undefined)?.count;
    const sent = ours(await telemetry.points(M.sent));
    assert.equal(total(sent), 3);
    assert.equal(sent[0]?.attributes[A.system], 'liftbridge');
    const consumed = ours(await telemetry.points(M.consumed));
    assert.ok(total(consumed) >= 3);
    const durations = ours(await telemetry.points(M.operationDuration));
    assert.equal(count(durations), 3);
    const process = ours(await telemetry.points(M.processDuration));
    assert.ok((count(process) ?? 0) >= 3);
    assert.deepEqual(
      ours(await telemetry.points(M.lag)).map((p) => [p.value, p.attributes[A.partition]]),
      [[0, '0']],
    );
  });

  it('otel - disable() stops spans and header injection; a message published so is consumed normally, in a trace of its own', async () => {
    const name = await stream();
    telemetry.instrumentation.disable();
    const before = telemetry.spans().length;
    try {
      await lastValueFrom(client.publish('untraced', { stream: name }));
      const [plain] = await read(name, 1);
      assert.equal(telemetry.spans().length, before, 'no span while disabled');
      assert.equal(plain && header(plain, 'traceparent'), undefined);
    } finally {
      telemetry.instrumentation.enable();
    }
    const [again] = await read(name, 1);
    assert.equal(again && Buffer.from(again.value).toString(), 'untraced');
    await until(
      () =>
        telemetry
          .spans()
          .some((s) => s.kind === SpanKind.CONSUMER && s.attributes[A.destination] === name),
      'the CONSUMER span',
    );
    const consumer = telemetry
      .spans()
      .find((s) => s.kind === SpanKind.CONSUMER && s.attributes[A.destination] === name);
    assert.equal(consumer && parentId(consumer), undefined, 'a root span');
  });

  it('otel - getConfig/setConfig, and registerInstrumentations leaves it enabled', () => {
    assert.equal(telemetry.instrumentation.getConfig().enabled, true);
    assert.equal(telemetry.instrumentation.instrumentationName, 'liftbridge-rx');
    telemetry.instrumentation.setConfig({ lagTimeoutMs: 1_000 });
    assert.equal(telemetry.instrumentation.getConfig().lagTimeoutMs, 1_000);
  });

  it('otel - a subscription ended by unsubscribing leaves no live entry behind', async () => {
    const name = await stream();
    await lastValueFrom(client.publish('x', { stream: name }));
    await firstValueFrom(client.subscribe(name, { startPosition: StartPosition.EARLIEST }));
    const lag = (await telemetry.points(M.lag)).filter((p) => p.attributes[A.destination] === name);
    assert.deepEqual(lag, []);
  });
  it('otel - publishToSubject: a PRODUCER span named by the subject, its trace context in the headers; the CONSUMER span is its child', async () => {
    const name = uniqueName('otel-subject');
    const subject = `${name}.in`;
    await lastValueFrom(client.createStream(name, { subject }));
    const ack = await tracer.startActiveSpan('alert', async (parent) => {
      try {
        return await lastValueFrom(client.publishToSubject(subject, 'disk full'));
      } finally {
        parent.end();
      }
    });
    const [message] = await read(name, 1);
    assert.ok(message);
    const producer = telemetry
      .spans()
      .find((s) => s.kind === SpanKind.PRODUCER && s.attributes[A.destination] === subject);
    assert.ok(producer, 'a PRODUCER span');
    const alert = telemetry.spans().find((s) => s.name === 'alert');
    assert.ok(alert);
    assert.equal(producer.name, `send ${subject}`);
    assert.equal(parentId(producer), spanId(alert), 'send is a child of the active span');
    assert.equal(producer.attributes[A.messageId], ack.correlationId);
    assert.equal(producer.attributes[A.offset], ack.offset.toString());
    assert.match(header(message, 'traceparent') ?? '', new RegExp(`^00-${traceId(producer)}-`));
    const consumerOf = () =>
      telemetry
        .spans()
        .find((s) => s.kind === SpanKind.CONSUMER && s.attributes[A.destination] === name);
    await until(() => consumerOf() !== undefined, 'a CONSUMER span');
    const consumer = consumerOf();
    assert.ok(consumer);
    assert.equal(traceId(consumer), traceId(producer), 'one trace');
    assert.equal(parentId(consumer), spanId(producer), 'the consumer span is a child of send');
  });

  it('otel - a publish refused before sending (too large, closed client) is a failed PRODUCER span', async () => {
    const small = server.client({ maxMessageBytes: 1024 });
    const name = await stream(small);
    await assert.rejects(lastValueFrom(small.publish(Buffer.alloc(4096), { stream: name })));
    await small.close();
    await assert.rejects(lastValueFrom(small.publish('late', { stream: name })));
    const failed = telemetry
      .spans()
      .filter((s) => s.kind === SpanKind.PRODUCER && s.attributes[A.destination] === name)
      .map((s) => [s.name, s.status.code, s.attributes[A.errorType]]);
    assert.deepEqual(failed, [
      [`send ${name}`, SpanStatusCode.ERROR, ErrorCode.MessageTooLarge],
      [`send ${name}`, SpanStatusCode.ERROR, ErrorCode.Closed],
    ]);
  });
});
