import { randomUUID } from "node:crypto";
import { GraphQLError } from "graphql";
import { ErrorCode } from "../../subgraphs/kit/errors.js";
import type { Logger } from "../../subgraphs/kit/logger.js";
import { recordCorrelationId } from "../../subgraphs/kit/telemetry/log-correlation.js";

function isTimeout(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError" || code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT");
}

/**
 * What the client learns when a call to a subgraph fails on the way (timeout, refused connection, an HTTP
 * error status, a body that is not JSON): SERVICE_UNAVAILABLE naming the service and a correlation id.
 * The URL, the low-level cause and any response body stay in the gateway's log under that id.
 */
export function subgraphFailure(serviceName: string, error: unknown, timeoutMs: number, logger: Logger): GraphQLError {
  const correlationId = randomUUID();
  const timedOut = isTimeout(error);
  logger.error({ correlationId, serviceName, err: error, ...(error instanceof GraphQLError ? { extensions: error.extensions } : {}) }, "subgraph call failed");
  recordCorrelationId(correlationId, ErrorCode.SERVICE_UNAVAILABLE);
  const message = timedOut ? `The ${serviceName} service did not answer within ${timeoutMs} ms (correlation id ${correlationId})` : `The ${serviceName} service could not be reached (correlation id ${correlationId})`;
  return new GraphQLError(message, { extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, serviceName, correlationId } });
}
