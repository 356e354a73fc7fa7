import type { IncomingHttpHeaders } from "node:http";
import type { DataSource } from "typeorm";
import { type Principal, SCOPES } from "../../subgraphs/kit/principal.js";
import { managedOrganizations } from "../access/partner.service.js";
import type { TokenClaims } from "./demo-users.js";

export type Authenticator = (headers: IncomingHttpHeaders) => Promise<Principal | null>;

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

/** Reads credentials from the request; null when there are none or they do not verify. */
export function createAuthenticator(verifyBearer: (token: string) => Promise<TokenClaims | null>, dataSource: DataSource): Authenticator {
  return async (headers) => {
    const authorization = headers.authorization;
    if (typeof authorization === "string" && /^Bearer\s+/i.test(authorization)) {
      const claims = await verifyBearer(authorization.replace(/^Bearer\s+/i, "").trim());
      return claims ? principalOfUser(claims, dataSource) : null;
    }
    return null;
  };
}
