/**
 * LiftbridgeInstrumentation: OpenTelemetry spans and metrics from the
 * client's diagnostics channels (see `DIAGNOSTICS_CHANNELS`), for every
 * LiftbridgeClient of the process.
 *
 * - publish: a PRODUCER span `send <stream>` per request (publish,
 *   publishRequest and each request of publishBulk: a span per request, so
 *   each message carries its own trace context and its consumers join its
 *   trace), W3C trace context injected into the headers before the request
 *   is encoded (a `traceparent` the user set is kept, with its tracestate);
 * - delivery: a CONSUMER span `process <stream>` per delivered message,
 *   child of the context in its headers (one message, one trace from
 *   producer to every consumer), around the subscriber's `next`;
 *   {@link handleMessage} runs handlers inside it;
 * - admin, metadata and cursor calls: CLIENT spans named by the RPC.
 */
import diagnostics from 'node:diagnostics_channel';
import {
  type Attributes,
  type Context,
  context,
  type Histogram,
  type Meter,
  type MeterProvider,
  metrics,
  type ObservableResult,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { firstValueFrom, timeout } from 'rxjs';
import {
  type CallEvent,
  type DeliverEvent,
  DIAGNOSTICS_CHANNELS,
  type LeaderMoveEvent,
  type ProcessEvent,
  type PublishEvent,
  type ResubscribeEvent,
  type RetryEvent,
  type SubscribeEvent,
} from '../index.js';
import { headerGetter, mergeInjected } from './carrier.js';
import { ATTR, METRIC, SYSTEM } from './semconv.js';
import { Tally } from './tally.js';

/** The instrumentation's name (its tracer's and meter's). */
export const INSTRUMENTATION_NAME = 'liftbridge-rx';
/** The instrumentation's version (the package's). */
export const INSTRUMENTATION_VERSION = '0.1.0';

/**
 * Options of {@link LiftbridgeInstrumentation} (an `InstrumentationConfig`
 * of `@opentelemetry/instrumentation`).
 */
export interface LiftbridgeInstrumentationConfig {
  /** Whether it is enabled from construction. @defaultValue true */
  enabled?: boolean;
  /** How long the lag gauge waits for a partition's high watermark (ms). @defaultValue 2000 */
  lagTimeoutMs?: number;
}

interface Instruments {
  operationDuration: Histogram;
  processDuration: Histogram;
}

const seconds = (since: number) => (performance.now() - since) / 1000;

function errorType(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string')
    return err.code;
  return err instanceof Error ? err.name : '_OTHER';
}

function fail(span: Span, err: unknown): void {
  span.setAttribute(ATTR.errorType, errorType(err));
  if (err instanceof Error) span.recordException(err);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: err instanceof Error ? err.message : String(err),
  });
}

/**
 * OpenTelemetry instrumentation of liftbridge-rx, an `Instrumentation` as
 * `@opentelemetry/instrumentation` defines it: give it to
 * `registerInstrumentations`, or call `setTracerProvider`,
 * `setMeterProvider` and `enable` yourself. Enabled on construction (unless
 * `enabled: false`); `disable()` stops every span and metric.
 *
 * @example
 * ```ts
 * registerInstrumentations({ instrumentations: [new LiftbridgeInstrumentation()] });
 * ```
 */
export class LiftbridgeInstrumentation {
  /** `'liftbridge-rx'`. */
  readonly instrumentationName = INSTRUMENTATION_NAME;
  /** The package's version. */
  readonly instrumentationVersion = INSTRUMENTATION_VERSION;
  private config: LiftbridgeInstrumentationConfig;
  private tracer: Tracer;
  private meter!: Meter;
  private instruments!: Instruments;
  private enabled = false;
  private readonly publishes = new WeakMap<PublishEvent, { span: Span; start: number }>();
  private readonly calls = new WeakMap<CallEvent, Span>();
  /** The consumer span context of each delivered message (handleMessage runs handlers in it). */
  private readonly delivered = new WeakMap<object, Context>();
  /** Live partition subscriptions (for the lag gauge). */
  private readonly live = new Set<SubscribeEvent>();
  private readonly listeners: [string, (message: unknown) => void][];
  /** Messages sent and consumed, by attribute set (reported by asynchronous counters). */
  private readonly sent = new Tally('send');
  private readonly consumed = new Tally('process');

  constructor(config: LiftbridgeInstrumentationConfig = {}) {
    this.config = { enabled: true, ...config };
    this.tracer = trace.getTracer(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION);
    this.setMeterProvider(metrics.getMeterProvider());
    const C = DIAGNOSTICS_CHANNELS;
    this.listeners = [
      [C.publish, (m) => this.onPublish(m as PublishEvent)],
      [C.ack, (m) => this.onSettled(m as PublishEvent)],
      [C.publishError, (m) => this.onSettled(m as PublishEvent)],
      [C.subscribeStart, (m) => this.live.add(m as SubscribeEvent)],
      [C.subscribeEnd, (m) => this.live.delete(m as SubscribeEvent)],
      [C.deliver, (m) => this.onDeliver(m as DeliverEvent)],
      [C.process, (m) => this.onProcess(m as ProcessEvent)],
      [C.call, (m) => this.onCall(m as CallEvent)],
      [C.callEnd, (m) => this.onCallEnd(m as CallEvent)],
      [C.retry, (m) => this.note('liftbridge.retry', m as RetryEvent)],
      [C.resubscribe, (m) => this.note('liftbridge.resubscribe', m as ResubscribeEvent)],
      [C.leaderMove, (m) => this.note('liftbridge.leader_move', m as LeaderMoveEvent)],
    ];
    if (this.config.enabled) this.enable();
  }

  /** Spans go to `provider` from now on (default: the global one). */
  setTracerProvider(provider: TracerProvider): void {
    this.tracer = provider.getTracer(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION);
  }

  /** Metrics go to `provider` from now on (default: the global one at construction). */
  setMeterProvider(provider: MeterProvider): void {
    this.meter = provider.getMeter(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION);
    const m = this.meter;
    m.createObservableCounter(METRIC.sent, {
      description: 'Messages the producer attempted to send',
      unit: '{message}',
    }).addCallback((result) => this.sent.observe(result));
    m.createObservableCounter(METRIC.consumed, {
      description: 'Messages delivered to a subscriber',
      unit: '{message}',
    }).addCallback((result) => this.consumed.observe(result));
    this.instruments = {
      operationDuration: m.createHistogram(METRIC.operationDuration, {
        description: 'Duration of a send, from the request to its ack',
        unit: 's',
      }),
      processDuration: m.createHistogram(METRIC.processDuration, {
        description: 'Duration of the delivery of a message to its subscriber',
        unit: 's',
      }),
    };
    m.createObservableGauge(METRIC.lag, {
      description: 'High watermark of a subscribed partition minus the offset last delivered',
      unit: '{message}',
    }).addCallback((result) => this.observeLag(result));
  }

  /** Merges `config` into the current options. */
  setConfig(config: LiftbridgeInstrumentationConfig): void {
    this.config = { ...this.config, ...config };
  }

  /** The current options (`enabled` follows enable() and disable()). */
  getConfig(): LiftbridgeInstrumentationConfig {
    return this.config;
  }

  /** Starts listening to the client's diagnostics channels. Idempotent. */
  enable(): void {
    if (this.enabled) return;
    this.enabled = true;
    this.config.enabled = true;
    for (const [name, fn] of this.listeners) diagnostics.subscribe(name, fn);
  }

  /** Stops listening: no more spans, trace headers or metrics (a publish or call under way then is never ended, so never exported). */
  disable(): void {
    if (!this.enabled) return;
    this.enabled = false;
    this.config.enabled = false;
    for (const [name, fn] of this.listeners) diagnostics.unsubscribe(name, fn);
    this.live.clear();
  }

  /**
   * The consumer span context of a delivered message (undefined when it was
   * not delivered while enabled): run work in it with `context.with`.
   */
  messageContext(message: object): Context | undefined {
    return this.delivered.get(message);
  }

  /** A publish's PRODUCER span (`send <stream>`, or `send <subject>` for publishToSubject). */
  private producerSpan(event: PublishEvent): Span {
    const { stream, partition, value } = event.request;
    return this.tracer.startSpan(`send ${stream}`, {
      kind: SpanKind.PRODUCER,
      attributes: {
        ...this.sent.attributes(stream, partition),
        ...(event.correlationId === '' ? {} : { [ATTR.messageId]: event.correlationId }),
        [ATTR.bodySize]: value.byteLength,
      },
    });
  }

  private onPublish(event: PublishEvent): void {
    const span = this.producerSpan(event);
    const injected: Record<string, string> = {};
    propagation.inject(trace.setSpan(context.active(), span), injected);
    mergeInjected(event.headers, injected);
    this.publishes.set(event, { span, start: performance.now() });
  }

  private onSettled(event: PublishEvent): void {
    // A request refused before it was sent has no span yet: it gets one, failed at once.
    const started =
      this.publishes.get(event) ??
      (event.refused ? { span: this.producerSpan(event), start: performance.now() } : undefined);
    if (!started) return;
    this.publishes.delete(event);
    const { span, start } = started;
    const { stream, partition } = event.request;
    let failure: string | undefined;
    if (event.ack) span.setAttribute(ATTR.offset, event.ack.offset.toString());
    if (event.outcome === 'failed') {
      fail(span, event.error);
      failure = errorType(event.error);
    } else if (event.outcome === 'cancelled') {
      span.setAttribute(ATTR.errorType, 'cancelled');
      failure = 'cancelled';
    }
    span.end();
    this.sent.add(stream, partition, failure);
    const attributes = this.sent.attributes(stream, partition, failure);
    this.instruments.operationDuration.record(seconds(start), attributes);
  }

  private onDeliver(event: DeliverEvent): void {
    const m = event.message;
    const parent = propagation.extract(context.active(), m.headers, headerGetter);
    const consumed = this.consumed;
    const attributes = consumed.attributes(m.stream, m.partition);
    const span = this.tracer.startSpan(
      `process ${m.stream}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          ...attributes,
          ...(m.correlationId === '' ? {} : { [ATTR.messageId]: m.correlationId }),
          [ATTR.offset]: m.offset.toString(),
          [ATTR.bodySize]: m.value.byteLength,
        },
      },
      parent,
    );
    const spanContext = trace.setSpan(parent, span);
    this.delivered.set(m, spanContext);
    const deliver = event.run;
    const instruments = this.instruments;
    event.run = () => {
      const start = performance.now();
      let failure: string | undefined;
      try {
        context.with(spanContext, deliver);
      } catch (err) {
        fail(span, err);
        failure = errorType(err);
        throw err;
      } finally {
        span.end();
        consumed.add(m.stream, m.partition, failure);
        const recorded = failure ? consumed.attributes(m.stream, m.partition, failure) : attributes;
        instruments.processDuration.record(seconds(start), recorded);
      }
    };
  }

  private onProcess(event: ProcessEvent): void {
    const spanContext = this.delivered.get(event.message);
    if (!spanContext) return;
    const run = event.run;
    event.run = () => context.with(spanContext, run);
  }

  private onCall(event: CallEvent): void {
    const attributes: Attributes = {
      [ATTR.system]: SYSTEM,
      [ATTR.rpcSystem]: 'grpc',
      [ATTR.rpcService]: 'proto.API',
      [ATTR.rpcMethod]: event.method,
    };
    if (event.stream !== undefined) attributes[ATTR.destination] = event.stream;
    const name = event.stream === undefined ? event.method : `${event.method} ${event.stream}`;
    this.calls.set(event, this.tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }));
  }

  private onCallEnd(event: CallEvent): void {
    const span = this.calls.get(event);
    if (!span) return;
    this.calls.delete(event);
    if (event.error !== undefined) fail(span, event.error);
    span.end();
  }

  /** Retries, resubscribes and leader moves: an event on the active span, if any. */
  private note(name: string, event: RetryEvent | ResubscribeEvent | LeaderMoveEvent): void {
    const span = trace.getActiveSpan();
    if (!span) return;
    const attributes: Attributes = {};
    for (const [key, value] of Object.entries(event)) {
      if (typeof value === 'string' || typeof value === 'number') attributes[key] = value;
      else if (typeof value === 'bigint') attributes[key] = value.toString();
      else if (value instanceof Error) attributes[key] = value.message;
    }
    span.addEvent(name, attributes);
  }

  /** The lag of each live subscription that has delivered a message. */
  private async observeLag(result: ObservableResult): Promise<void> {
    const wait = this.config.lagTimeoutMs ?? 2_000;
    await Promise.all(
      [...this.live].map(async (s) => {
        const last = s.lastOffset;
        if (last === undefined || s.highWatermark === undefined) return;
        try {
          const hw = await firstValueFrom(s.highWatermark().pipe(timeout(wait)));
          result.observe(Number(hw > last ? hw - last : 0n), {
            [ATTR.system]: SYSTEM,
            [ATTR.destination]: s.stream,
            [ATTR.partition]: String(s.partition),
          });
        } catch {
          // No answer from the leader in time: no observation this round.
        }
      }),
    );
  }
}
