import { type KeyObject, sign, verify } from "node:crypto";
import type { Principal } from "./principal.js";

/** The one header that carries the caller's identity from the gateway to a subgraph (and on, from subgraph to subgraph). */
export const IDENTITY_HEADER = "x-casegraph-identity";
const ISSUER = "casegraph-gateway";
const HEADER = Buffer.from(JSON.stringify({ alg: "EdDSA", typ: "JWT" })).toString("base64url");
const SIGNATURE_BYTES = 64;

/** How long a forwarded identity stays valid: long enough for one request, short enough to be useless when stolen. */
export const IDENTITY_TTL_SECONDS = 60;

interface IdentityClaims {
  principal: Principal;
  iss: string;
  aud: string[];
  iat: number;
  exp: number;
}

/*
 * Identity tokens are EdDSA (Ed25519) JWTs made and checked with node:crypto directly: they are
 * signed and verified on every subgraph call, and jose's WebCrypto path cost ~200 µs per operation
 * against tens of µs here. The gateway alone holds the private key; a subgraph holds the public key,
 * so a compromised subgraph can check identities but never mint one. Bearer tokens from identity
 * providers (JWKS, several algorithms) stay with jose.
 */

/**
 * Signs the principal for `audience`: the subgraph called and those it may call onward with the same
 * token (see topology.ts `identityAudience`).
 */
export function signIdentity(principal: Principal, audience: string | readonly string[], privateKey: KeyObject, now = Date.now()): string {
  const iat = Math.floor(now / 1000);
  const claims: IdentityClaims = { principal, iss: ISSUER, aud: typeof audience === "string" ? [audience] : [...audience], iat, exp: iat + IDENTITY_TTL_SECONDS };
  const signingInput = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  return `${signingInput}.${sign(null, Buffer.from(signingInput), privateKey).toString("base64url")}`;
}

/**
 * Returns the principal, or null when the token is missing, forged, expired or not meant for
 * `audience`. Only the exact EdDSA header is accepted: a token claiming any other algorithm (HS256
 * "signed" with the public key, `none`) is refused before its signature is looked at.
 */
export function verifyIdentity(token: string | undefined, audience: string, publicKey: KeyObject, now = Date.now()): Principal | null {
  return verifiedClaims(token, audience, publicKey, now)?.principal ?? null;
}

function verifiedClaims(token: string | undefined, audience: string, publicKey: KeyObject, now: number): IdentityClaims | null {
  if (!token) return null;
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== HEADER) return null;
  const signature = Buffer.from(parts[2]!, "base64url");
  if (signature.length !== SIGNATURE_BYTES) return null;
  try {
    if (!verify(null, Buffer.from(`${parts[0]}.${parts[1]}`), publicKey, signature)) return null;
    const claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8")) as Partial<IdentityClaims>;
    if (claims.iss !== ISSUER || !Array.isArray(claims.aud) || !claims.aud.includes(audience)) return null;
    if (typeof claims.exp !== "number" || claims.exp <= Math.floor(now / 1000)) return null;
    const principal = claims.principal;
    if (!principal || typeof principal.id !== "string" || typeof principal.role !== "string") return null;
    return claims as IdentityClaims;
  } catch {
    return null;
  }
}

const VERIFIED_CACHE_SIZE = 10_000;

/** How long the gateway hands out a token it signed again: it then still has at least 50 of its 60 seconds. */
export const IDENTITY_REUSE_SECONDS = 10;

/**
 * `signIdentity` for one audience, reusing the token last signed for the same principal while it is
 * less than IDENTITY_REUSE_SECONDS old: a caller's requests in those seconds carry the same token, so the
 * gateway signs once and each subgraph's verifier checks the signature once, instead of once per request.
 * The token is the one a fresh signature would give, only up to ten seconds older.
 */
export function createIdentitySigner(audience: string | readonly string[], privateKey: KeyObject): (principal: Principal, now?: number) => string {
  const signed = new Map<string, { token: string; at: number }>();
  return (principal, now = Date.now()) => {
    const key = JSON.stringify(principal);
    const known = signed.get(key);
    if (known && now >= known.at && now - known.at < IDENTITY_REUSE_SECONDS * 1000) return known.token;
    const token = signIdentity(principal, audience, privateKey, now);
    if (signed.size >= VERIFIED_CACHE_SIZE) signed.clear();
    signed.set(key, { token, at: Math.floor(now / 1000) * 1000 });
    return token;
  };
}

/**
 * `verifyIdentity` for one subgraph, remembering tokens it has verified until they expire: the
 * gateway reuses one token for every call of a request to the same subgraph, so later calls skip
 * the signature check.
 */
export function createIdentityVerifier(audience: string, publicKey: KeyObject): (token: string | undefined) => Principal | null {
  const verified = new Map<string, IdentityClaims>();
  return (token) => {
    if (!token) return null;
    const now = Date.now();
    const known = verified.get(token);
    if (known && known.exp * 1000 > now) return known.principal;
    const claims = verifiedClaims(token, audience, publicKey, now);
    if (claims) {
      if (verified.size >= VERIFIED_CACHE_SIZE) verified.clear();
      verified.set(token, claims);
    }
    return claims?.principal ?? null;
  };
}
