import { ATTACHMENT_RESERVED } from "./reservation-protocol.js";

/**
 * What the gateway and the subgraphs agree on about a client's `Idempotency-Key` (the gateway's record:
 * gateway/idempotency/; the subgraphs' receipts: kit/idempotency.ts).
 */

/**
 * The header on which the gateway passes a client's `Idempotency-Key` to the subgraphs that run its
 * mutation (gateway/identity-forwarding.ts). A subgraph port is reached only with a gateway-signed
 * identity, and the key counts only together with that identity's principal.
 */
export const IDEMPOTENCY_KEY_HEADER = "x-casegraph-idempotency-key";

/** The longest Idempotency-Key a client may send (longer, or empty, is BAD_USER_INPUT at the gateway). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** `extensions.reason` of the CONFLICT a retry gets while the key's first request still runs (the gateway's): a client retries it after `Retry-After`. */
export const IDEMPOTENCY_KEY_IN_FLIGHT = "IDEMPOTENCY_KEY_IN_FLIGHT";

/** `extensions.reason` of the CONFLICT for a key sent again with another request (the gateway's, or a subgraph's receipt): final. */
export const IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED";

/**
 * `extensions.reason`s of a CONFLICT that clears by itself, which a client retries with the same key.
 * Such an answer is never kept as the key's final one (the gateway's record, gateway/idempotency/):
 * else every retry would be answered the same CONFLICT for the record's 24 h.
 */
export const RETRYABLE_CONFLICT_REASONS: readonly string[] = [IDEMPOTENCY_KEY_IN_FLIGHT, ATTACHMENT_RESERVED];
