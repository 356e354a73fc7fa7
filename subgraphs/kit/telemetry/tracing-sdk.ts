import { randomUUID } from "node:crypto";
import { type Attributes, type Context, context, DiagConsoleLogger, diag, propagation, type SpanKind, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { CompositePropagator, diagLogLevelFromString, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { ExpressInstrumentation, ExpressLayerType } from "@opentelemetry/instrumentation-express";
import { GraphQLInstrumentation } from "@opentelemetry/instrumentation-graphql";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { MySQL2Instrumentation } from "@opentelemetry/instrumentation-mysql2";
import { UndiciInstrumentation } from "@opentelemetry/instrumentation-undici";
import { detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { AlwaysOffSampler, AlwaysOnSampler, BatchSpanProcessor, ParentBasedSampler, type Sampler, SamplingDecision, type SamplingResult, TraceIdRatioBasedSampler, TracerProvider } from "@opentelemetry/sdk-trace";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";
import type { ServiceName } from "../topology.js";

type Env = Record<string, string | undefined>;

/** What `startTracing` started: flushed and stopped when the process stops (see run-service.ts). */
export interface TracingHandle {
  shutdown(): Promise<void>;
}

/** Query parameters whose values spans never carry: the signed download links' and those of S3 presigned URLs. */
const REDACTED_QUERY_PARAMS = ["signature", "sig", "Signature", "AWSAccessKeyId", "X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", "X-Goog-Signature"];

/** Paths probed every few seconds by orchestrators and Prometheus: no spans (they would bury the requests). */
const UNTRACED_PATHS = new Set(["/health", "/ready", "/metrics"]);

/** A positive number of the OTEL_BSP_* variables, or `fallback`. */
function positive(env: Env, name: string, fallback: number): number {
  const value = Number(env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG as the specification names them; the default follows the caller's decision, else samples all. */
function samplerFromEnv(env: Env): Sampler {
  const name = (env.OTEL_TRACES_SAMPLER ?? "parentbased_always_on").trim().toLowerCase();
  const ratio = Number(env.OTEL_TRACES_SAMPLER_ARG ?? "1");
  const validRatio = Number.isFinite(ratio) && ratio >= 0 && ratio <= 1 ? ratio : 1;
  switch (name) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return new TraceIdRatioBasedSampler(validRatio);
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(validRatio) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/**
 * No SQL span without a parent: the statements of timers (the mail dispatcher's and the relay's polling, the
 * auto-close and expiry sweeps) would each be a trace of one span every few seconds. Statements of requests,
 * and of a timer's work that has a span of its own, are traced as `sampler` decides.
 */
class NoOrphanStatements implements Sampler {
  constructor(private readonly sampler: Sampler) {}

  shouldSample(parent: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Parameters<Sampler["shouldSample"]>[5]): SamplingResult {
    const statement = attributes["db.system"] !== undefined || attributes["db.system.name"] !== undefined;
    if (statement && !trace.getSpanContext(parent)) return { decision: SamplingDecision.NOT_RECORD };
    return this.sampler.shouldSample(parent, traceId, name, kind, attributes, links);
  }

  toString(): string {
    return `NoOrphanStatements{${this.sampler.toString()}}`;
  }
}

/**
 * The tracing SDK of one service: W3C trace context in and out, spans batched to OTLP/HTTP (JSON) at the
 * endpoint of the standard OTEL_EXPORTER_OTLP_* variables, and the instrumentations of the libraries the
 * services use. Loaded by `startTracing` only when an endpoint is configured.
 */
export function startTracingSdk(service: ServiceName, env: Env): TracingHandle {
  diag.setLogger(new DiagConsoleLogger(), diagLogLevelFromString(env.OTEL_LOG_LEVEL ?? "warn"));
  // OTEL_RESOURCE_ATTRIBUTES adds to the resource (deployment.environment, ...); service.name is always the service's own.
  const resource = detectResources({ detectors: [envDetector] }).merge(
    resourceFromAttributes({ [ATTR_SERVICE_NAME]: service, "service.namespace": "casegraph", [ATTR_SERVICE_VERSION]: "0.1.0", "service.instance.id": randomUUID() }),
  );
  const exporter = new OTLPTraceExporter();
  const processor = new BatchSpanProcessor({
    exporter,
    maxQueueSize: positive(env, "OTEL_BSP_MAX_QUEUE_SIZE", 4096),
    maxExportBatchSize: positive(env, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 1024),
    scheduledDelayMillis: positive(env, "OTEL_BSP_SCHEDULE_DELAY", 2000),
    exportTimeoutMillis: positive(env, "OTEL_BSP_EXPORT_TIMEOUT", 30_000),
  });
  const provider = new TracerProvider({ resource, sampler: new NoOrphanStatements(samplerFromEnv(env)), spanProcessors: [processor] });

  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  trace.setGlobalTracerProvider(provider);

  // Constructed after the provider is global: each enables itself with it and hooks its module's next require.
  const instrumentations = [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has((request.url ?? "").split("?")[0]!),
      headersToSpanAttributes: { server: { requestHeaders: ["apollographql-client-name", "apollographql-client-version"] } },
      // A download link's signature is half a credential: never in a span (the defaults cover cloud storage signatures).
      redactedQueryParamsServer: [...REDACTED_QUERY_PARAMS],
      redactedQueryParams: [...REDACTED_QUERY_PARAMS],
    }),
    // fetch (calls between subgraphs) and undici's request (the gateway's subgraph calls), through diagnostics_channel.
    new UndiciInstrumentation(),
    // Statement text with literals masked: by default the instrumentation would inline the parameters (e-mail addresses, case text).
    new MySQL2Instrumentation({ maskStatement: true }),
    // Only route handlers get spans (the http span takes its route from Express); one span per middleware would double the count.
    new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER] }),
    // Subgraphs: parse, validate and execute of each operation, without a span per field. The gateway has Apollo's own spans.
    ...(service === "gateway" ? [] : [new GraphQLInstrumentation({ ignoreResolveSpans: true, ignoreTrivialResolveSpans: true, mergeItems: true })]),
  ];

  return {
    async shutdown() {
      for (const instrumentation of instrumentations) instrumentation.disable();
      await provider.shutdown();
    },
  };
}
