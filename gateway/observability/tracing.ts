// Imported first by gateway/main.ts: tracing (when OTEL_EXPORTER_OTLP_ENDPOINT is set) must hook http and
// express, and be the global provider before @apollo/gateway takes its tracer. See subgraphs/kit/telemetry/tracing.ts.
import { startTracing } from "../../subgraphs/kit/telemetry/tracing.js";

startTracing("gateway");
