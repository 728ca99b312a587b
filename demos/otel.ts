// OpenTelemetry: one message published and read by two consumers, as one
// trace (the trace context travels in the message headers), printed as a
// tree from the SDK's in-memory exporter.

import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { handleMessage, LiftbridgeClient, StartPosition } from 'liftbridge-rx';
import { LiftbridgeInstrumentation } from 'liftbridge-rx/otel';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { BROKERS } from './brokers.js';

// The SDK: spans to memory, context across awaits, W3C trace context.
const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});
trace.setGlobalTracerProvider(tracerProvider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
registerInstrumentations({ instrumentations: [new LiftbridgeInstrumentation()] });

const tracer = trace.getTracer('shop');
await using client = new LiftbridgeClient(BROKERS);
const stream = `otel-demo-${Date.now()}`;
await lastValueFrom(client.createStream(stream));

// Two consumers (each handles the message inside its consumer span).
const consume = (who: string) =>
  firstValueFrom(client.subscribe(stream, { startPosition: StartPosition.EARLIEST })).then((m) =>
    handleMessage(m, async () => {
      await tracer.startActiveSpan(`${who} handles it`, async (span) => span.end());
    }),
  );

// The publisher, inside a span of its own.
await tracer.startActiveSpan('checkout', async (span) => {
  await lastValueFrom(client.publish('order #1', { stream }));
  span.end();
});
await Promise.all([consume('billing'), consume('shipping')]);
await lastValueFrom(client.deleteStream(stream));

// The trace tree of the message (admin calls are traces of their own).
const spans = exporter.getFinishedSpans();
const checkout = spans.find((s) => s.name === 'checkout');
const kinds = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const label = (s: ReadableSpan) => {
  const offset = s.attributes['messaging.liftbridge.message.offset'];
  const name = s.name.replace(stream, '<stream>');
  return `${name} (${kinds[s.kind]}${offset === undefined ? '' : `, offset ${offset}`})`;
};
const tree = (s: ReadableSpan, indent: string): string[] => {
  const children = spans
    .filter((c) => c.parentSpanContext?.spanId === s.spanContext().spanId)
    .map((c) => tree(c, `${indent}  `))
    .sort((a, b) => a.join().localeCompare(b.join()));
  return [`${indent}${label(s)}`, ...children.flat()];
};
if (checkout) {
  console.log(`trace ${checkout.spanContext().traceId}:`);
  for (const line of tree(checkout, '  ')) console.log(line);
  const inTrace = spans.filter((s) => s.spanContext().traceId === checkout.spanContext().traceId);
  console.log(`one trace: ${inTrace.length} spans`);
}
await tracerProvider.shutdown();
