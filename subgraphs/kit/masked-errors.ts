import { randomUUID } from "node:crypto";
import { type Server, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { ErrorRequestHandler } from "express";
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import { isDatabaseUnavailable } from "./database-errors.js";
import { SubgraphUnreachable } from "./subgraph-client.js";
import { ErrorCode } from "./errors.js";
import type { Logger } from "./logger.js";
import { recordCorrelationId } from "./telemetry/log-correlation.js";

const PUBLIC_CODES = new Set<string>([
  ...Object.values(ErrorCode),
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
]);

/**
 * Extensions that never reach a client: stack traces, the subgraph response the gateway attaches to a failed
 * call (`response`: URL, status, body), exception details, and Apollo's HTTP instructions.
 */
const PRIVATE_EXTENSIONS = ["stacktrace", "exception", "response", "http"];

const CORRELATION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface MaskErrorsOptions {
  /** Names the service in messages about its own database ("The cases database is unreachable"). */
  service?: string;
  /** Drops "Did you mean ...?" hints, which spell out the schema to a caller who may not introspect it. */
  hideFieldSuggestions?: boolean;
}

/** `message` without graphql-js's "Did you mean ...?" hint (fields, arguments, types and enum values). */
export function withoutFieldSuggestions(message: string): string {
  return message.replace(/\s*Did you mean [\s\S]*$/, "");
}

/**
 * The contract code an error may show, or undefined when it must be masked. Apollo files every validation
 * error under GRAPHQL_VALIDATION_FAILED; a validation rule that reports a contract code (the gateway's query
 * limits report QUERY_TOO_COMPLEX) keeps it.
 */
function publicCode(formatted: GraphQLFormattedError, error: unknown): string | undefined {
  const code = formatted.extensions?.code;
  if (code === "GRAPHQL_VALIDATION_FAILED" && error instanceof GraphQLError && error.originalError instanceof GraphQLError) {
    const reported = error.originalError.extensions?.code;
    if (reported === ErrorCode.QUERY_TOO_COMPLEX) return reported;
  }
  return typeof code === "string" && PUBLIC_CODES.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR ? code : undefined;
}

/** The correlation id of an internal error a subgraph already masked and logged (the gateway sees it with `serviceName`). */
function downstreamCorrelationId(formatted: GraphQLFormattedError): string | undefined {
  const extensions = formatted.extensions ?? {};
  const id = extensions.correlationId;
  return extensions.code === ErrorCode.INTERNAL_SERVER_ERROR && typeof extensions.serviceName === "string" && typeof id === "string" && CORRELATION_ID.test(id) ? id : undefined;
}

/**
 * Apollo `formatError`: errors with a contract code pass through (without private extensions); anything
 * else is logged with its stack under a correlation id and reaches the client as INTERNAL_SERVER_ERROR with
 * that id only. At the gateway, a subgraph's masked error keeps the subgraph's id, so that one id finds the
 * stack in the subgraph's log.
 */
export function maskErrors(logger: Logger, options: MaskErrorsOptions = {}) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = publicCode(formatted, error);
    if (code) {
      const extensions: Record<string, unknown> = { ...formatted.extensions, code };
      for (const name of PRIVATE_EXTENSIONS) delete extensions[name];
      const message = options.hideFieldSuggestions ? withoutFieldSuggestions(formatted.message) : formatted.message;
      return { ...formatted, message, extensions };
    }
    const cause = unwrapResolverError(error);
    if (cause instanceof SubgraphUnreachable) {
      const correlationId = randomUUID();
      logger.warn({ correlationId, err: cause, path: formatted.path }, "subgraph unreachable");
      recordCorrelationId(correlationId, ErrorCode.SERVICE_UNAVAILABLE);
      return {
        message: `The ${cause.subgraph} service could not be reached; retry shortly (correlation id ${correlationId})`,
        path: formatted.path,
        locations: formatted.locations,
        extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, correlationId },
      };
    }
    if (isDatabaseUnavailable(cause)) {
      const correlationId = randomUUID();
      logger.warn({ correlationId, err: cause, path: formatted.path }, "database unavailable");
      recordCorrelationId(correlationId, ErrorCode.SERVICE_UNAVAILABLE);
      return {
        message: `The ${options.service ?? "service"} database is unreachable right now; retry shortly (correlation id ${correlationId})`,
        path: formatted.path,
        locations: formatted.locations,
        extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, correlationId },
      };
    }
    let correlationId = downstreamCorrelationId(formatted);
    if (correlationId) {
      logger.error({ correlationId, serviceName: formatted.extensions?.serviceName, path: formatted.path }, "internal error in a subgraph");
    } else {
      correlationId = randomUUID();
      logger.error({ correlationId, err: cause, path: formatted.path }, "internal error");
    }
    recordCorrelationId(correlationId, ErrorCode.INTERNAL_SERVER_ERROR);
    return {
      message: `Internal server error (correlation id ${correlationId})`,
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, correlationId },
    };
  };
}

interface HttpError extends Error {
  status?: number;
  statusCode?: number;
  type?: string;
  limit?: number;
}

/**
 * The last Express handler of a service: errors raised before GraphQL runs (a body over the size limit,
 * JSON that does not parse) answer as GraphQL errors with their HTTP status; anything else is
 * INTERNAL_SERVER_ERROR with a correlation id and its stack in the log only (Express's default error page
 * shows the stack outside production).
 */
export function maskRequestErrors(logger: Logger): ErrorRequestHandler {
  return (error: HttpError, req, res, next) => {
    if (res.headersSent) return next(error);
    const status = error.status ?? error.statusCode;
    if (error.type === "entity.too.large" || status === 413) {
      res.status(413).json({ errors: [{ message: `Request body is larger than the limit of ${error.limit ?? "?"} bytes`, extensions: { code: "BAD_REQUEST", limit: error.limit } }] });
      return;
    }
    if (error.type === "entity.parse.failed" || error.type === "charset.unsupported" || error.type === "encoding.unsupported") {
      res.status(status ?? 400).json({ errors: [{ message: "Request body is not valid JSON", extensions: { code: "BAD_REQUEST" } }] });
      return;
    }
    // Refused by a body check that runs before JSON.parse (see the gateway's json-body checks): the reason is safe to show.
    if (error.type === "entity.invalid.utf8" || error.type === "entity.too.deep") {
      res.status(400).json({ errors: [{ message: error.message, extensions: { code: "BAD_REQUEST", ...(error.limit ? { limit: error.limit } : {}) } }] });
      return;
    }
    // http-errors marks client errors that are safe to show (`expose`), such as a malformed multipart request.
    if (status !== undefined && status >= 400 && status < 500 && (error as { expose?: boolean }).expose) {
      res.status(status).json({ errors: [{ message: error.message, extensions: { code: "BAD_REQUEST" } }] });
      return;
    }
    const correlationId = randomUUID();
    // The service's own database is down (the gateway's keys and Idempotency-Key records, before GraphQL runs): retryable, as in resolvers.
    if (isDatabaseUnavailable(error)) {
      logger.warn({ correlationId, err: error, path: req.path }, "database unavailable");
      recordCorrelationId(correlationId, ErrorCode.SERVICE_UNAVAILABLE);
      res.status(503).setHeader("Retry-After", "1");
      res.json({ errors: [{ message: `The database is unreachable right now; retry shortly (correlation id ${correlationId})`, extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, correlationId } }] });
      return;
    }
    logger.error({ correlationId, err: error, path: req.path }, "request failed");
    recordCorrelationId(correlationId, ErrorCode.INTERNAL_SERVER_ERROR);
    res.status(500).json({ errors: [{ message: `Internal server error (correlation id ${correlationId})`, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, correlationId } }] });
  };
}

/** What the HTTP parser refused, as the client is told (the parser's own reason names internals). */
function parserRefusal(code: string | undefined): { status: number; message: string } {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return { status: 431, message: "Request headers are larger than the server accepts" };
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return { status: 408, message: "The request did not arrive in time" };
    default:
      return { status: 400, message: "Malformed HTTP request" };
  }
}

/**
 * Answers requests that Node's HTTP parser refuses before Express sees them (headers over the size
 * limit, control characters in a header, a broken request line, a request that took too long) with
 * the same JSON error shape as every other refusal, code BAD_REQUEST, then closes the connection.
 * Node's default is a bare status line without a body. Mirrors Node's rule of never writing into a
 * response already under way on that connection.
 */
export function answerMalformedRequests(server: Server): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const { status, message } = parserRefusal(error.code);
    const body = JSON.stringify({ errors: [{ message, extensions: { code: "BAD_REQUEST" } }] });
    // Once the answer is flushed, the socket goes: a client that keeps sending holds nothing open.
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`, () => socket.destroy());
  });
}
