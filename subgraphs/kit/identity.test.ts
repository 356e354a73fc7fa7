import { SignJWT, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { signIdentity, verifyIdentity } from "./identity.js";
import type { Principal } from "./principal.js";

const secret = "identity-secret-of-at-least-32-characters";
const principal: Principal = { kind: "user", id: "u-1", name: "Aiko", role: "customer", organizationIds: ["acme"], scopes: ["cases:read"] };

describe("forwarded identity tokens", () => {
  it("round-trips the principal for its audience only", async () => {
    const token = await signIdentity(principal, "cases", secret);
    expect(await verifyIdentity(token, "cases", secret)).toEqual(principal);
    expect(await verifyIdentity(token, "attachments", secret)).toBeNull();
    expect(await verifyIdentity(token, "cases", `${secret}x`)).toBeNull();
  });

  it("are standard HS256 JWTs that jose accepts, with issuer, audience and a 60 s expiry", async () => {
    const token = await signIdentity(principal, "cases", secret);
    const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(secret), { issuer: "casegraph-gateway", audience: "cases" });
    expect(protectedHeader.alg).toBe("HS256");
    expect(payload.exp! - payload.iat!).toBe(60);
    expect(payload.principal).toEqual(principal);
  });

  it("refuses expired, tampered and foreign tokens", async () => {
    const issued = Date.now();
    const token = await signIdentity(principal, "cases", secret, issued);
    expect(await verifyIdentity(token, "cases", secret, issued + 59_000)).toEqual(principal);
    expect(await verifyIdentity(token, "cases", secret, issued + 61_000)).toBeNull();
    const [header, payload, signature] = token.split(".");
    const elevated = Buffer.from(Buffer.from(payload!, "base64url").toString().replace('"customer"', '"engineer"')).toString("base64url");
    expect(await verifyIdentity(`${header}.${elevated}.${signature}`, "cases", secret)).toBeNull();
    const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${payload}.`;
    expect(await verifyIdentity(none, "cases", secret)).toBeNull();
    // Signed with the right secret by another issuer: still refused.
    const other = await new SignJWT({ principal: principal as never }).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setIssuer("someone-else").setAudience("cases").setExpirationTime("1m").sign(new TextEncoder().encode(secret));
    expect(await verifyIdentity(other, "cases", secret)).toBeNull();
    expect(await verifyIdentity("not.a.token", "cases", secret)).toBeNull();
    expect(await verifyIdentity(undefined, "cases", secret)).toBeNull();
  });
});
