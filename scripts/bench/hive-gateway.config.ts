import { principalOfUser } from "../../gateway/auth/authenticate.js";
import { createBearerVerifier } from "../../gateway/auth/bearer-token.js";
import { devDefaultPolicy } from "../../subgraphs/kit/env.js";
import { IDENTITY_HEADER, signIdentity } from "../../subgraphs/kit/identity.js";
import { readIdentityPrivateKey } from "../../subgraphs/kit/identity-keys.js";
import type { Principal } from "../../subgraphs/kit/principal.js";
import { identityAudience, isSubgraphName } from "../../subgraphs/kit/topology.js";

/**
 * Hive Gateway, the benchmark's peer, doing the same per-request work as ours: verify the bearer
 * token, then sign the caller's identity for each subgraph it calls (with the benchmark's
 * IDENTITY_PRIVATE_KEY and the same audiences as ours). Customer tokens only (no partner lookup),
 * which is what the benchmark sends.
 */
const verify = createBearerVerifier({ jwtSecret: process.env.JWT_SECRET });
const privateKey = readIdentityPrivateKey(process.env, "IDENTITY_PRIVATE_KEY", devDefaultPolicy(process.env, {}));
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
      return principal && isSubgraphName(subgraphName) ? { [IDENTITY_HEADER]: signIdentity(principal, identityAudience(subgraphName), privateKey) } : {};
    },
  },
};
