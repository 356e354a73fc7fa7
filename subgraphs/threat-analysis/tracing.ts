// Imported first by main.ts: tracing (when OTEL_EXPORTER_OTLP_ENDPOINT is set) must hook http, express, mysql2
// and graphql before anything else loads them. See subgraphs/kit/telemetry/tracing.ts.
import { startTracing } from "../kit/telemetry/tracing.js";

startTracing("threat-analysis");
