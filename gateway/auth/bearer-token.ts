import { createRemoteJWKSet, type JWTPayload, jwtVerify, SignJWT } from "jose";
import type { TokenClaims } from "./demo-users.js";

export interface BearerVerifierOptions {
  jwtSecret?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
}

/**
 * Verifies `Authorization: Bearer` tokens: against a JWKS (RS256/ES256, real identity providers) when
 * configured, else with the HS256 dev secret. Issuer and audience are checked when configured;
 * expiry and issue time always (at most `MAX_TOKEN_AGE` old). Returns null for any token that does not verify.
 */
export function createBearerVerifier(options: BearerVerifierOptions): (token: string) => Promise<TokenClaims | null> {
  const jwks = options.jwksUrl ? createRemoteJWKSet(new URL(options.jwksUrl)) : undefined;
  const secret = options.jwtSecret ? new TextEncoder().encode(options.jwtSecret) : undefined;
  const verifyOptions = {
    issuer: options.issuer,
    audience: options.audience,
    algorithms: jwks ? ["RS256", "ES256"] : ["HS256"],
    requiredClaims: ["sub", "exp", "iat"],
    // A token signed to "never expire" (exp 1e300) still stops working a day after it was issued.
    maxTokenAge: MAX_TOKEN_AGE,
  };
  // A verified token stays valid until it expires (bearer tokens are stateless): remember the answer
  // for up to a minute, so that a client's stream of requests is not verified request by request.
  const verified = new Map<string, { claims: TokenClaims; until: number }>();
  return async (token) => {
    const now = Date.now();
    const known = verified.get(token);
    if (known && known.until > now) return known.claims;
    try {
      const { payload } = jwks ? await jwtVerify(token, jwks, verifyOptions) : await jwtVerify(token, secret!, verifyOptions);
      const claims = toClaims(payload);
      if (claims) {
        if (verified.size >= VERIFIED_CACHE_SIZE) verified.clear();
        verified.set(token, { claims, until: Math.min(payload.exp! * 1000, now + VERIFIED_CACHE_MS) });
      }
      return claims;
    } catch {
      return null;
    }
  };
}

/** The longest a bearer token is accepted after its `iat`, whatever its `exp` says. */
export const MAX_TOKEN_AGE = "24h";
const VERIFIED_CACHE_MS = 60_000;
const VERIFIED_CACHE_SIZE = 10_000;

function toClaims(payload: JWTPayload): TokenClaims | null {
  const { sub, name, email, role, org, partner } = payload as Record<string, unknown>;
  if (typeof sub !== "string" || (role !== "customer" && role !== "partner" && role !== "engineer")) return null;
  if (role === "customer" && typeof org !== "string") return null;
  if (role === "partner" && typeof partner !== "string") return null;
  return {
    sub,
    name: typeof name === "string" ? name : sub,
    email: typeof email === "string" ? email : "",
    role,
    org: typeof org === "string" ? org : undefined,
    partner: typeof partner === "string" ? partner : undefined,
  };
}

/** Mints an HS256 token with these claims (development and tests). */
export function signDevToken(claims: TokenClaims, secret: string, expiresIn = "12h", extra: { issuer?: string; audience?: string } = {}): Promise<string> {
  let jwt = new SignJWT({ ...claims }).setProtectedHeader({ alg: "HS256" }).setSubject(claims.sub).setIssuedAt().setExpirationTime(expiresIn);
  if (extra.issuer) jwt = jwt.setIssuer(extra.issuer);
  if (extra.audience) jwt = jwt.setAudience(extra.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
