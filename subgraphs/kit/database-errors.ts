const CLOSED_CONNECTION = "Can't add new command when connection is in closed state";

const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "ER_CON_COUNT_ERROR",
  "ER_SERVER_SHUTDOWN",
  "ER_CONNECTION_KILLED",
  "ER_QUERY_INTERRUPTED",
  // mysql2's pool cluster (replication) while every server of a role is marked offline after failed connects.
  "POOL_NONEONLINE",
  "SQLITE_BUSY",
  "SQLITE_CANTOPEN",
]);

/**
 * True when a failure means "the database cannot be reached right now" (connection refused, lost,
 * killed, timed out) rather than a bug: such requests fail fast with SERVICE_UNAVAILABLE and succeed
 * again once the pool reconnects.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown } | undefined, depth = 0; current && depth < 5; depth++) {
    if (typeof current.code === "string" && UNAVAILABLE_CODES.has(current.code)) return true;
    // mysql2's answer, without a code, to a statement on a connection the server closed (a restart mid-transaction).
    if (typeof current.message === "string" && current.message.startsWith(CLOSED_CONNECTION)) return true;
    current = (current.driverError ?? current.cause) as typeof current;
  }
  return false;
}
