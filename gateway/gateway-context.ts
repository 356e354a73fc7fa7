import type { Principal } from "../subgraphs/kit/principal.js";

/** Per-request state of the gateway. */
export interface GatewayContext {
  principal: Principal;
  requestId: string;
  /** Identity tokens already signed in this request, per subgraph. */
  identityTokens: Map<string, string>;
  /** The caller wrote a moment ago: subgraphs read from their primary database (read-your-writes/). */
  readPrimary?: boolean;
  /** The client's Idempotency-Key of this mutation, passed to the subgraphs that run it (subgraphs/kit/idempotency.ts). */
  idempotencyKey?: string;
}
