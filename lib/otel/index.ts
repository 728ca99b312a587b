/**
 * liftbridge-rx/otel: OpenTelemetry traces and metrics for liftbridge-rx.
 * `@opentelemetry/api` is an optional peer dependency: only this subpath
 * loads it; `liftbridge-rx` itself never does.
 */
export {
  INSTRUMENTATION_NAME,
  INSTRUMENTATION_VERSION,
  LiftbridgeInstrumentation,
  type LiftbridgeInstrumentationConfig,
} from './instrumentation.js';
export { ATTR as MESSAGING_ATTRIBUTES, METRIC as MESSAGING_METRICS } from './semconv.js';
