import type { IncomingHttpHeaders } from "node:http";
import type { DataSource } from "typeorm";
import { type Principal, SCOPES } from "../../subgraphs/kit/principal.js";
import type { ApiKeyFailure, ApiKeyService } from "../access/api-key.service.js";
import { managedOrganizations } from "../access/partner.service.js";
import type { TokenClaims } from "./demo-users.js";

/** Why a request was not authenticated: for the audit log only; every client gets the same 401. */
export type AuthenticationFailure = "missing_credentials" | "ambiguous_credentials" | "invalid_bearer_token" | ApiKeyFailure;

export type Authentication = { principal: Principal } | { principal: null; failure: AuthenticationFailure; keyId?: string; partnerId?: string };

export type Authenticator = (headers: IncomingHttpHeaders) => Promise<Authentication>;

/** The principal a verified bearer token stands for: users act with every scope their role has. */
export async function principalOfUser(claims: TokenClaims, dataSource: DataSource): Promise<Principal> {
  const base = { kind: "user" as const, id: claims.sub, name: claims.name, email: claims.email || undefined, role: claims.role, scopes: [...SCOPES] };
  switch (claims.role) {
    case "engineer":
      return { ...base, organizationIds: null };
    case "partner":
      return { ...base, partnerId: claims.partner, organizationIds: await managedOrganizations(dataSource, claims.partner!) };
    default:
      return { ...base, organizationIds: [claims.org!] };
  }
}

/**
 * Reads the request's one credential: `Authorization: Bearer <JWT>` or `X-API-Key: <partner key>`.
 * A request carrying both is refused rather than guessing which identity it meant (an integration
 * that forwards a user's token next to its key must pick one); so is a header sent twice.
 */
export function createAuthenticator(verifyBearer: (token: string) => Promise<TokenClaims | null>, apiKeys: ApiKeyService, dataSource: DataSource): Authenticator {
  return async (headers) => {
    const authorization = headers.authorization;
    const apiKey = headers["x-api-key"];
    const hasBearer = typeof authorization === "string" && authorization.trim() !== "";
    const hasApiKey = apiKey !== undefined;
    if (hasBearer && hasApiKey) return { principal: null, failure: "ambiguous_credentials" };
    if (hasApiKey) {
      if (typeof apiKey !== "string") return { principal: null, failure: "ambiguous_credentials" };
      return apiKeys.authenticate(apiKey.trim());
    }
    if (hasBearer) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      const claims = match ? await verifyBearer(match[1]!) : null;
      return claims ? { principal: await principalOfUser(claims, dataSource) } : { principal: null, failure: "invalid_bearer_token" };
    }
    return { principal: null, failure: "missing_credentials" };
  };
}
