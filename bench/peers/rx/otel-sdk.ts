/**
 * The OpenTelemetry SDK for the rx peer, loaded only when
 * LIFTBRIDGE_RX_BENCH_OTEL=1 (bench figures "with the SDK enabled"): a
 * tracer provider whose batch processor exports to nowhere, a meter
 * provider with a reader (metrics are aggregated, never exported), the
 * async-hooks context manager, the W3C propagator and a
 * LiftbridgeInstrumentation. Spans are made, sampled, batched and dropped.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { LiftbridgeInstrumentation } from '../../../lib/otel/index.js';

const nowhere: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: async () => undefined,
};
const tracerProvider = new BasicTracerProvider({
  spanProcessors: [new BatchSpanProcessor(nowhere)],
});
trace.setGlobalTracerProvider(tracerProvider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const reader = new PeriodicExportingMetricReader({
  exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
  exportIntervalMillis: 3_600_000,
});
const meterProvider = new MeterProvider({ readers: [reader] });
registerInstrumentations({
  instrumentations: [new LiftbridgeInstrumentation()],
  tracerProvider,
  meterProvider,
});
