import { ConfigError } from "./env.js";
import { shutdownTracing } from "./telemetry/tracing.js";

export interface RunningService {
  url: string;
  stop(): Promise<void>;
}

/**
 * The body of every `main.ts`: start, print where it listens, stop cleanly on SIGTERM/SIGINT,
 * and turn a configuration mistake into one readable line instead of a stack trace.
 */
export function runService(name: string, start: () => Promise<RunningService>): void {
  start().then(
    (service) => {
      console.log(`${name} listening on ${service.url}`);
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        console.log(`${name} stopping (${signal})`);
        // Spans still buffered are exported before the process goes (nothing to do when tracing is off).
        service
          .stop()
          .then(() => shutdownTracing().catch(() => undefined))
          .then(
            () => process.exit(0),
            (error: unknown) => {
              console.error(`${name} did not stop cleanly:`, error);
              process.exit(1);
            },
          );
      };
      process.on("SIGTERM", () => stop("SIGTERM"));
      process.on("SIGINT", () => stop("SIGINT"));
    },
    (error: unknown) => {
      console.error(error instanceof ConfigError ? `${name}: configuration error: ${error.message}` : error);
      process.exit(1);
    },
  );
}
