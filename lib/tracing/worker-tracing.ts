import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';

export interface WorkerTracing {
  /** Traces workflows and activities (Temporal's interceptors, workflow spans through a sink). */
  plugin: OpenTelemetryPlugin;
  /** Flushes spans still buffered; call on shutdown. */
  shutdown(): Promise<void>;
}

/**
 * Tracing is off unless the standard OpenTelemetry variables ask for it: OTEL_TRACES_EXPORTER=otlp,
 * or an OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), and not
 * OTEL_SDK_DISABLED=true. The exporter reads the rest (headers, protocol, timeout) itself.
 */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none') return false;
  return env.OTEL_TRACES_EXPORTER === 'otlp' || !!env.OTEL_EXPORTER_OTLP_ENDPOINT || !!env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
}

/** A registered tracer provider: what its service's spans go through. */
export interface Tracing {
  resource: Resource;
  spanProcessor: SpanProcessor;
  /** Flushes spans still buffered; call on shutdown. */
  shutdown(): Promise<void>;
}

/**
 * Registers a global tracer provider, so the connectors' and the router's spans (lib/tracing/spans.ts)
 * are recorded, under OTEL_SERVICE_NAME or `service`. `spanProcessor` replaces the OTLP exporter
 * (tests pass an in-memory one).
 */
export function startTracing(service: string, spanProcessor: SpanProcessor = new BatchSpanProcessor(new OTLPTraceExporter())): Tracing {
  const resource = new Resource({ 'service.name': process.env.OTEL_SERVICE_NAME || service });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  return { resource, spanProcessor, shutdown: () => provider.shutdown() };
}

/** startTracing for a worker, with the plugin that traces its workflows and activities. */
export function startWorkerTracing(spanProcessor?: SpanProcessor): WorkerTracing {
  const { resource, shutdown, spanProcessor: processor } = startTracing('switchyard-worker', spanProcessor);
  return { plugin: new OpenTelemetryPlugin({ resource, spanProcessor: processor }), shutdown };
}
