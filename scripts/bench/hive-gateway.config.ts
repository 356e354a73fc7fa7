import { principalOfUser } from "../../gateway/auth/authenticate.js";
import { createBearerVerifier } from "../../gateway/auth/bearer-token.js";
import { devDefaultPolicy } from "../../subgraphs/kit/env.js";
import { IDENTITY_HEADER, signIdentity } from "../../subgraphs/kit/identity.js";
import { readIdentityPrivateKey } from "../../subgraphs/kit/identity-keys.js";
import { type Principal, SCOPES } from "../../subgraphs/kit/principal.js";
import { identityAudience, isSubgraphName } from "../../subgraphs/kit/topology.js";

/**
 * Hive Gateway, the benchmark's peer, doing the same per-request work as ours: verify the bearer
 * token, then sign the caller's identity for each subgraph it calls (with the benchmark's
 * IDENTITY_PRIVATE_KEY and the same audiences as ours). Bearer tokens only; the organizations of
 * partner staff come from BENCH_PARTNER_ORGANIZATIONS (JSON, partner id to organization ids) instead
 * of the gateway's database, which spares Hive a lookup ours makes. HIVE_ROUTER_RUNTIME=true plans
 * with the Rust query planner (`@graphql-hive/router-runtime`).
 */
const verify = createBearerVerifier({ jwtSecret: process.env.JWT_SECRET, jwksUrl: process.env.JWKS_URL, issuer: process.env.JWT_ISSUER, audience: process.env.JWT_AUDIENCE });
const partnerOrganizations = JSON.parse(process.env.BENCH_PARTNER_ORGANIZATIONS || "{}") as Record<string, string[]>;
const privateKey = readIdentityPrivateKey(process.env, "IDENTITY_PRIVATE_KEY", devDefaultPolicy(process.env, {}));
const principals = new WeakMap<Request, Promise<Principal | null>>();

function principalOf(request: Request): Promise<Principal | null> {
  let principal = principals.get(request);
  if (!principal) {
    const token = (request.headers.get("authorization") ?? "").replace(/^Bearer\s+/i, "");
    principal = verify(token).then((claims) => {
      if (!claims) return null;
      if (claims.role !== "partner") return principalOfUser(claims, undefined as never);
      const partner: Principal = {
        kind: "user",
        id: claims.sub,
        name: claims.name,
        email: claims.email || undefined,
        role: "partner",
        scopes: [...SCOPES],
        partnerId: claims.partner,
        organizationIds: partnerOrganizations[claims.partner!] ?? [],
      };
      return partner;
    });
    principals.set(request, principal);
  }
  return principal;
}

/**
 * The Rust query planner's handler, loaded only when asked for. Required rather than imported: the
 * package's type declarations bring their own DOM-like globals, which would clash with Node's in this project.
 */
function rustPlanner(): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require("@graphql-hive/router-runtime") as { unifiedGraphHandler: unknown }).unifiedGraphHandler;
}

export const gatewayConfig = {
  ...(process.env.HIVE_ROUTER_RUNTIME === "true" ? { unifiedGraphHandler: rustPlanner() } : {}),
  // Hive shares identical in-flight subgraph calls by default; the benchmark also runs it without.
  transportEntries: { "*.http": { options: { deduplicateInflightRequests: process.env.HIVE_DEDUPLICATION !== "false" } } },
  propagateHeaders: {
    async fromClientToSubgraphs({ request, subgraphName }: { request: Request; subgraphName: string }) {
      const principal = await principalOf(request);
      return principal && isSubgraphName(subgraphName) ? { [IDENTITY_HEADER]: signIdentity(principal, identityAudience(subgraphName), privateKey) } : {};
    },
  },
};
