import { Attributes, SpanStatusCode, trace } from '@opentelemetry/api';

/**
 * switchyard's own spans, through the OpenTelemetry API only: with no tracer provider registered
 * (tracing off, the default) every call is a no-op span. A worker registers one in
 * lib/tracing/worker-tracing.ts; an application's own OpenTelemetry setup picks up the router's.
 */
const tracer = trace.getTracer('switchyard');

/** Runs `work` inside a span that is a child of the current one; a thrown error marks the span failed. */
export function inSpan<T>(name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work();
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}
