/**
 * The Nest transport with liftbridge-rx/otel: each handler runs inside its
 * message's consumer span context (through handleMessage), so the spans
 * the app starts join the message's trace.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { SpanKind, trace } from '@opentelemetry/api';
import { lastValueFrom } from 'rxjs';
import { MESSAGING_ATTRIBUTES as A } from '../../lib/otel/index.js';
import { uniqueName, useServer } from '../helpers/server.js';
import { setUpTelemetry } from '../otel/setup.js';
import { startMicroservice, until } from './helpers.js';

const telemetry = setUpTelemetry();
after(() => telemetry.shutdown());

describe('nestjs - tracing with liftbridge-rx/otel', async () => {
  const server = await useServer();
  const client = server.client();
  const apps: INestMicroservice[] = [];
  after(async () => {
    await Promise.all(apps.map((a) => a.close()));
  });

  it("nestjs - the handler's own span is a child of the message's consumer span, in the producer's trace", async () => {
    const stream = uniqueName('nest-otel');
    await lastValueFrom(client.createStream(stream));
    const handled: unknown[] = [];
    @Controller()
    class Orders {
      @EventPattern(stream)
      async on(@Payload() data: unknown): Promise<void> {
        await new Promise((r) => setImmediate(r));
        await trace.getTracer('app').startActiveSpan(`save ${data}`, async (span) => {
          await new Promise((r) => setTimeout(r, 50));
          handled.push(data);
          span.end();
        });
      }
    }
    const { app } = await startMicroservice([Orders], { client });
    apps.push(app);
    // Two at once: the second handler starts when the first is done, long
    // after its message was delivered, and still runs in that message's context.
    const acks = await Promise.all(
      ['first', 'second'].map((v) => lastValueFrom(client.publish(v, { stream }))),
    );
    await until(() => handled.length === 2, 'the handlers');
    assert.deepEqual(handled, ['first', 'second']);
    const spans = telemetry.spans();
    for (const [i, value] of ['first', 'second'].entries()) {
      const offset = acks[i]?.offset.toString();
      const producer = spans.find(
        (s) =>
          s.kind === SpanKind.PRODUCER &&
          s.attributes[A.offset] === offset &&
          s.attributes[A.destination] === stream,
      );
      const consumer = spans.find(
        (s) =>
          s.kind === SpanKind.CONSUMER &&
          s.attributes[A.offset] === offset &&
          s.attributes[A.destination] === stream,
      );
      const own = spans.find((s) => s.name === `save ${value}`);
      assert.ok(producer && consumer && own, value);
      assert.equal(own.parentSpanContext?.spanId, consumer.spanContext().spanId, value);
      assert.equal(own.spanContext().traceId, producer.spanContext().traceId, value);
      assert.equal(consumer.parentSpanContext?.spanId, producer.spanContext().spanId, value);
    }
  });
});
