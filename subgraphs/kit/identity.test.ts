import { createHmac, generateKeyPairSync } from "node:crypto";
import { jwtVerify, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { createIdentitySigner, createIdentityVerifier, signIdentity, verifyIdentity } from "./identity.js";
import type { Principal } from "./principal.js";

const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const other = generateKeyPairSync("ed25519");
const principal: Principal = { kind: "user", id: "u-1", name: "Aiko", role: "customer", organizationIds: ["acme"], scopes: ["cases:read"] };

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;

describe("forwarded identity tokens", () => {
  it("round-trips the principal for every subgraph of its audience, and for no other", () => {
    const token = signIdentity(principal, ["attachments", "cases"], privateKey);
    expect(verifyIdentity(token, "attachments", publicKey)).toEqual(principal);
    expect(verifyIdentity(token, "cases", publicKey)).toEqual(principal);
    expect(verifyIdentity(token, "threat-analysis", publicKey)).toBeNull();
  });

  it("are standard EdDSA JWTs that jose accepts, with issuer, audience and a 60 s expiry", async () => {
    const token = signIdentity(principal, ["cases"], privateKey);
    const { payload, protectedHeader } = await jwtVerify(token, publicKey, { issuer: "casegraph-gateway", audience: "cases", algorithms: ["EdDSA"] });
    expect(protectedHeader.alg).toBe("EdDSA");
    expect(payload.exp! - payload.iat!).toBe(60);
    expect(payload.principal).toEqual(principal);
  });

  it("refuses a token signed with another key (forged)", () => {
    const forged = signIdentity({ ...principal, role: "engineer", organizationIds: null }, ["cases"], other.privateKey);
    expect(verifyIdentity(forged, "cases", publicKey)).toBeNull();
  });

  it("refuses an expired token", () => {
    const issued = Date.now();
    const token = signIdentity(principal, ["cases"], privateKey, issued);
    expect(verifyIdentity(token, "cases", publicKey, issued + 59_000)).toEqual(principal);
    expect(verifyIdentity(token, "cases", publicKey, issued + 61_000)).toBeNull();
  });

  it("refuses a token whose claims were changed after signing", () => {
    const token = signIdentity(principal, ["cases"], privateKey);
    const [header, payload, signature] = token.split(".");
    const elevated = Buffer.from(Buffer.from(payload!, "base64url").toString().replace('"customer"', '"engineer"')).toString("base64url");
    expect(verifyIdentity(`${header}.${elevated}.${signature}`, "cases", publicKey)).toBeNull();
    const widened = base64url({ ...claimsOf(token), aud: ["cases", "threat-analysis"] });
    expect(verifyIdentity(`${header}.${widened}.${signature}`, "threat-analysis", publicKey)).toBeNull();
  });

  it("refuses alg confusion: an HS256 token 'signed' with the public key, and alg none", () => {
    const payload = claimsOf(signIdentity(principal, ["cases"], privateKey));
    const publicPem = publicKey.export({ type: "spki", format: "pem" }) as string;
    const publicDer = publicKey.export({ type: "spki", format: "der" });
    for (const hmacKey of [publicPem, publicDer]) {
      const input = `${base64url({ alg: "HS256", typ: "JWT" })}.${base64url(payload)}`;
      const confused = `${input}.${createHmac("sha256", hmacKey).update(input).digest("base64url")}`;
      expect(verifyIdentity(confused, "cases", publicKey)).toBeNull();
    }
    expect(verifyIdentity(`${base64url({ alg: "none" })}.${base64url(payload)}.`, "cases", publicKey)).toBeNull();
  });

  it("refuses a token of another issuer, even signed with the right key", async () => {
    const foreign = await new SignJWT({ principal: principal }).setProtectedHeader({ alg: "EdDSA", typ: "JWT" }).setIssuer("someone-else").setAudience(["cases"]).setExpirationTime("1m").sign(privateKey);
    expect(verifyIdentity(foreign, "cases", publicKey)).toBeNull();
  });

  it("refuses malformed and missing tokens", () => {
    expect(verifyIdentity("not.a.token", "cases", publicKey)).toBeNull();
    expect(verifyIdentity("", "cases", publicKey)).toBeNull();
    expect(verifyIdentity(undefined, "cases", publicKey)).toBeNull();
  });

  it("a subgraph's verifier remembers a verified token but still checks audience and key for new ones", () => {
    const verify = createIdentityVerifier("cases", publicKey);
    const token = signIdentity(principal, ["cases"], privateKey);
    expect(verify(token)).toEqual(principal);
    expect(verify(token)).toEqual(principal);
    expect(verify(signIdentity(principal, ["attachments"], privateKey))).toBeNull();
    expect(verify(signIdentity(principal, ["cases"], other.privateKey))).toBeNull();
  });
});

describe("the gateway's identity signer", () => {
  const sign = createIdentitySigner(["cases", "attachments"], privateKey);
  const at = Date.parse("2026-12-01T09:00:00.000Z");

  it("hands a caller the same token for up to ten seconds, then signs a new one", () => {
    const first = sign(principal, at);
    expect(sign(principal, at + 9_999)).toBe(first);
    const next = sign(principal, at + 10_000);
    expect(next).not.toBe(first);
    expect(claimsOf(next).iat).toBe((claimsOf(first).iat as number) + 10);
    // The reused token still has at least 50 of its 60 seconds when handed out.
    expect((claimsOf(first).exp as number) * 1000 - (at + 9_999)).toBeGreaterThan(50_000);
    expect(verifyIdentity(first, "cases", publicKey, at + 9_999)).toEqual(principal);
  });

  it("signs each principal its own token, and a changed principal a new one", () => {
    const other: Principal = { ...principal, id: "u-2" };
    const narrowed: Principal = { ...principal, organizationIds: [] };
    expect(verifyIdentity(sign(other, at), "cases", publicKey, at)).toEqual(other);
    expect(verifyIdentity(sign(narrowed, at), "cases", publicKey, at)).toEqual(narrowed);
    expect(verifyIdentity(sign(principal, at), "cases", publicKey, at)).toEqual(principal);
  });

  it("signs anew when the clock went back", () => {
    const later = sign(principal, at + 60_000);
    const earlier = sign(principal, at + 30_000);
    expect(earlier).not.toBe(later);
    expect(claimsOf(earlier).iat).toBe((at + 30_000) / 1000);
  });
});
