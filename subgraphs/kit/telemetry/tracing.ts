import { type Attributes, type Span, SpanStatusCode, trace } from "@opentelemetry/api";
import type { ServiceName } from "../topology.js";
import type * as TracingSdk from "./tracing-sdk.js";

type Env = Record<string, string | undefined>;

export type TracingHandle = TracingSdk.TracingHandle;

let running: TracingHandle | undefined;

/**
 * The OTLP/HTTP endpoint spans go to, from the standard variables (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
 * else OTEL_EXPORTER_OTLP_ENDPOINT), or undefined when tracing is off: neither is set, OTEL_SDK_DISABLED
 * is true, or OTEL_TRACES_EXPORTER is `none`.
 */
export function tracingEndpoint(env: Env = process.env): string | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return undefined;
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === "none") return undefined;
  return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || undefined;
}

/**
 * Starts OpenTelemetry tracing for `service` when an OTLP endpoint is configured, and does nothing
 * otherwise: no SDK is loaded, no provider, context manager or module hook is registered, and every span
 * of the code (`withSpan`) and of the libraries (Apollo's gateway) is the API's no-op.
 *
 * Must run before http, express, mysql2, graphql and @apollo/gateway are loaded: the instrumentations
 * patch those modules as they are required (the services compile to CommonJS, so the require hooks see
 * every later `import`), and Apollo's gateway takes its tracer when it loads. Each `main.ts` therefore
 * imports its service's `tracing.ts` first.
 */
export function startTracing(service: ServiceName, env: Env = process.env): TracingHandle | undefined {
  if (running) return running;
  const endpoint = tracingEndpoint(env);
  if (!endpoint) return undefined;
  // Loaded only when tracing is on: the SDK and the instrumentations take about a second and 20 MB to load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- must load synchronously, before the modules it patches, and only when configured
  const sdk = require("./tracing-sdk.js") as typeof TracingSdk;
  running = sdk.startTracingSdk(service, env);
  return running;
}

/** Whether this process exports spans (`startTracing` found an endpoint). */
export function tracingStarted(): boolean {
  return running !== undefined;
}

/** Exports the spans still buffered and stops tracing, waiting at most `timeoutMs` for the collector; nothing when tracing is off. */
export async function shutdownTracing(timeoutMs = 5_000): Promise<void> {
  const handle = running;
  running = undefined;
  if (!handle) return;
  let timer: NodeJS.Timeout | undefined;
  const givenUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs).unref()));
  await Promise.race([handle.shutdown(), givenUp]).finally(() => clearTimeout(timer));
}

const tracer = trace.getTracer("casegraph");

/**
 * Runs `work` inside a span named `name` (a child of the active span), records a thrown error on it, and
 * ends it when `work` settles; `describe` adds attributes of the result. With tracing off the span is the API's no-op and this costs a function call.
 */
export async function withSpan<T>(name: string, attributes: Attributes, work: (span: Span) => Promise<T>, describe?: (result: T) => Attributes): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      const result = await work(span);
      if (describe && span.isRecording()) span.setAttributes(describe(result));
      return result;
    } catch (error) {
      failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Starts a span that the caller ends (for work that is not one promise, such as a stream). */
export function startSpan(name: string, attributes: Attributes = {}): Span {
  return tracer.startSpan(name, { attributes });
}

/** Marks `span` failed with `error`'s message (and the exception event). */
export function failSpan(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}
