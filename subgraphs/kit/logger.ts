import { pino, type Logger } from "pino";

/** One structured logger per service; never log credentials (see `redact`). */
export function createLogger(service: string, level = "info"): Logger {
  return pino({
    name: service,
    level,
    redact: { paths: ["req.headers.authorization", 'req.headers["x-api-key"]', "apiKey", "token"], censor: "[redacted]" },
  });
}
export type { Logger };
