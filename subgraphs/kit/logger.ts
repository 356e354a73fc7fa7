import { type DestinationStream, pino, type Logger } from "pino";
import { traceLogFields } from "./telemetry/log-correlation.js";

let testDestination: DestinationStream | undefined;

/**
 * Test hook: loggers created after this call write to `stream` (a test reads the stack of a masked error
 * by its correlation id); `undefined` restores the normal destination.
 */
export function redirectLogsForTests(stream: DestinationStream | undefined): void {
  testDestination = stream;
}

/**
 * One structured logger per service; never log credentials (see `redact`). `destination` is a file
 * path or descriptor (default stdout); files are written synchronously so that no line is lost.
 */
export function createLogger(service: string, level = "info", destination?: string | number): Logger {
  const options = {
    name: service,
    level,
    // trace_id and span_id of the active span on every line (when tracing is on): see telemetry/log-correlation.ts.
    mixin: traceLogFields,
    redact: {
      paths: ["req.headers.authorization", 'req.headers["x-api-key"]', "headers.authorization", 'headers["x-api-key"]', "apiKey", "token", "*.apiKey", "*.token"],
      censor: "[redacted]",
    },
  };
  if (testDestination) return pino(options, testDestination);
  return destination === undefined ? pino(options) : pino(options, pino.destination({ dest: destination, sync: true, mkdir: typeof destination === "string" }));
}
export type { Logger };
