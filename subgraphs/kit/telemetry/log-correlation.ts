import { isSpanContextValid, trace } from "@opentelemetry/api";

/**
 * pino `mixin`: the trace and span of the work a log line belongs to (`trace_id`, `span_id`), read from
 * the active span, so that a line found by its correlation id leads to the whole trace, and the other way
 * round. Nothing when tracing is off (no context manager, hence no active span) or outside any request.
 */
export function traceLogFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const spanContext = span.spanContext();
  return isSpanContextValid(spanContext) ? { trace_id: spanContext.traceId, span_id: spanContext.spanId } : {};
}

/**
 * Puts the correlation id a client was shown (a masked error's) on the active span, as the attribute
 * `casegraph.correlation_id` and an `error` event with the code: a tracing backend finds the trace by the id
 * a user reports, as the log does. Nothing when tracing is off.
 */
export function recordCorrelationId(correlationId: string, code: string): void {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return;
  span.setAttribute("casegraph.correlation_id", correlationId);
  span.addEvent("error", { "casegraph.correlation_id": correlationId, "error.code": code });
}
