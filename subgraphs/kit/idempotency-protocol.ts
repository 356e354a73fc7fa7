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

/** `extensions.reason` of the CONFLICT a retry gets while the key's first request still runs (the gateway's): a client retries it after `Retry-After`. */
export const IDEMPOTENCY_KEY_IN_FLIGHT = "IDEMPOTENCY_KEY_IN_FLIGHT";

/** `extensions.reason` of the CONFLICT for a key sent again with another request (the gateway's, or a subgraph's receipt): final. */
export const IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED";
