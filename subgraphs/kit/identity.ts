import { SignJWT, jwtVerify } from "jose";
import type { Principal } from "./principal.js";

/** The one header that carries the caller's identity from the gateway to a subgraph. */
export const IDENTITY_HEADER = "x-casegraph-identity";
const ISSUER = "casegraph-gateway";
const ALGORITHM = "HS256";

/** How long a forwarded identity stays valid: long enough for one request, short enough to be useless when stolen. */
export const IDENTITY_TTL_SECONDS = 60;

function keyOf(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/** Signs the principal for exactly one subgraph (`audience`). */
export async function signIdentity(principal: Principal, audience: string, secret: string): Promise<string> {
  return new SignJWT({ principal: principal as unknown as Record<string, unknown> })
    .setProtectedHeader({ alg: ALGORITHM })
    .setIssuer(ISSUER)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(`${IDENTITY_TTL_SECONDS}s`)
    .sign(keyOf(secret));
}

/** Returns the principal, or null when the token is missing, forged, expired or meant for another subgraph. */
export async function verifyIdentity(token: string | undefined, audience: string, secret: string): Promise<Principal | null> {
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), { issuer: ISSUER, audience, algorithms: [ALGORITHM] });
    const principal = payload.principal as Principal | undefined;
    if (!principal || typeof principal.id !== "string" || typeof principal.role !== "string") return null;
    return principal;
  } catch {
    return null;
  }
}
