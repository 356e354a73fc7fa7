import { principalOfUser } from "../../gateway/auth/authenticate.js";
import { createBearerVerifier } from "../../gateway/auth/bearer-token.js";
import { IDENTITY_HEADER, signIdentity } from "../../subgraphs/kit/identity.js";
import type { Principal } from "../../subgraphs/kit/principal.js";

/**
 * Hive Gateway, the benchmark's peer, doing the same per-request work as ours: verify the bearer
 * token, then sign the caller's identity for each subgraph it calls. Customer tokens only (no
 * partner lookup), which is what the benchmark sends.
 */
const verify = createBearerVerifier({ jwtSecret: process.env.JWT_SECRET });
const secret = process.env.IDENTITY_SECRET!;
const principals = new WeakMap<Request, Promise<Principal | null>>();

function principalOf(request: Request): Promise<Principal | null> {
  let principal = principals.get(request);
  if (!principal) {
    const token = (request.headers.get("authorization") ?? "").replace(/^Bearer\s+/i, "");
    principal = verify(token).then((claims) => (claims && claims.role === "customer" ? principalOfUser(claims, undefined as never) : null));
    principals.set(request, principal);
  }
  return principal;
}

export const gatewayConfig = {
  // Hive shares identical in-flight subgraph calls by default; the benchmark also runs it without.
  transportEntries: { "*.http": { options: { deduplicateInflightRequests: process.env.HIVE_DEDUPLICATION !== "false" } } },
  propagateHeaders: {
    async fromClientToSubgraphs({ request, subgraphName }: { request: Request; subgraphName: string }) {
      const principal = await principalOf(request);
      return principal ? { [IDENTITY_HEADER]: await signIdentity(principal, subgraphName, secret) } : {};
    },
  },
};
