/**
 * The OpenTelemetry SDK for the otel specs (and the demo's shape): a tracer
 * provider with the in-memory span exporter, a meter provider with the
 * in-memory metric exporter, the async-hooks context manager and the W3C
 * propagator, and a LiftbridgeInstrumentation given to
 * registerInstrumentations.
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
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { LiftbridgeInstrumentation } from '../../lib/otel/index.js';

export interface Telemetry {
  instrumentation: LiftbridgeInstrumentation;
  spans(): ReadableSpan[];
  /** Every data point of metric `name` after a collection (cumulative). */
  points(name: string): Promise<{ value: unknown; attributes: Record<string, unknown> }[]>;
  shutdown(): Promise<void>;
}

export function setUpTelemetry(): Telemetry {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spanExporter)],
  });
  trace.setGlobalTracerProvider(tracerProvider);
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const instrumentation = new LiftbridgeInstrumentation();
  const unregister = registerInstrumentations({
    instrumentations: [instrumentation],
    tracerProvider,
    meterProvider,
  });
  return {
    instrumentation,
    spans: () => spanExporter.getFinishedSpans(),
    async points(name) {
      metricExporter.reset();
      await reader.forceFlush();
      const out: { value: unknown; attributes: Record<string, unknown> }[] = [];
      for (const rm of metricExporter.getMetrics())
        for (const sm of rm.scopeMetrics)
          for (const m of sm.metrics)
            if (m.descriptor.name === name)
              for (const p of m.dataPoints)
                out.push({ value: p.value, attributes: p.attributes as Record<string, unknown> });
      return out;
    },
    async shutdown() {
      unregister();
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
