import { GraphQLError } from "graphql";

/** Stable `extensions.code` values of the public contract; README.md lists them ("What the graph does"). */
export const ErrorCode = {
  UNAUTHENTICATED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  BAD_USER_INPUT: "BAD_USER_INPUT",
  CONFLICT: "CONFLICT",
  REOPEN_VIA_UPDATE: "REOPEN_VIA_UPDATE",
  BUSINESS_IMPACT_REQUIRED: "BUSINESS_IMPACT_REQUIRED",
  CASE_CLOSED: "CASE_CLOSED",
  ACTION_NOT_AVAILABLE: "ACTION_NOT_AVAILABLE",
  TOO_MANY_FILES: "TOO_MANY_FILES",
  FILE_TOO_LARGE: "FILE_TOO_LARGE",
  ENCRYPTED_ZIP_REQUIRED: "ENCRYPTED_ZIP_REQUIRED",
  RATE_LIMITED: "RATE_LIMITED",
  QUERY_TOO_COMPLEX: "QUERY_TOO_COMPLEX",
  /** A subgraph did not answer in time or could not be reached; its fields are null, the rest of the response stands. */
  SERVICE_UNAVAILABLE: "SERVICE_UNAVAILABLE",
  /** The organization's staged (uploaded, not yet attached) files would exceed its storage quota. */
  QUOTA_EXCEEDED: "QUOTA_EXCEEDED",
  /** The caller already has as many uploads in flight as allowed; retry when one finishes. */
  TOO_MANY_UPLOADS: "TOO_MANY_UPLOADS",
  /** The request sent an operation id (documentId or extensions.persistedQuery) that no live published release has: send the text, where the policy allows it. */
  PERSISTED_QUERY_NOT_FOUND: "PERSISTED_QUERY_NOT_FOUND",
  /** The caller runs published operations only (a persisted-only client or API key) and sent a text that is none. */
  PERSISTED_QUERY_REQUIRED: "PERSISTED_QUERY_REQUIRED",
  /** A subscription's `after` names an event older than the case feed keeps: read the current state again, then subscribe without `after`. */
  FEED_CURSOR_EXPIRED: "FEED_CURSOR_EXPIRED",
  /** The caller (or the WebSocket connection) already holds as many open subscriptions as allowed. */
  TOO_MANY_SUBSCRIPTIONS: "TOO_MANY_SUBSCRIPTIONS",
  /** A subscription was sent as a plain HTTP request: subscribe over WebSocket or Server-Sent Events (the error names both endpoints). */
  SUBSCRIPTION_TRANSPORT_REQUIRED: "SUBSCRIPTION_TRANSPORT_REQUIRED",
  INTERNAL_SERVER_ERROR: "INTERNAL_SERVER_ERROR",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A client-facing error: message for people, `extensions.code` for programs. */
export function domainError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

/** BAD_USER_INPUT naming the offending input field, so clients can highlight it. */
export function badInput(field: string, message: string): GraphQLError {
  return domainError(ErrorCode.BAD_USER_INPUT, message, { field });
}

export function notFound(what: string, id: string): GraphQLError {
  return domainError(ErrorCode.NOT_FOUND, `${what} ${id} was not found`, { id });
}

export function forbidden(message: string): GraphQLError {
  return domainError(ErrorCode.FORBIDDEN, message);
}

export function hasCode(error: unknown, code: ErrorCode): boolean {
  return error instanceof GraphQLError && error.extensions?.code === code;
}
