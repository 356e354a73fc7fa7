import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { createBearerVerifier, signDevToken } from "./bearer-token.js";

const SECRET = "bearer-test-secret-of-at-least-32-chars";
const claims = { sub: "u1", name: "U", email: "u@acme.example", role: "customer" as const, org: "acme" };
const key = new TextEncoder().encode(SECRET);

describe("bearer token lifetime", () => {
  const verify = createBearerVerifier({ jwtSecret: SECRET });

  it("accepts a fresh token", async () => {
    expect(await verify(await signDevToken(claims, SECRET))).toMatchObject({ sub: "u1", org: "acme" });
  });

  it("refuses a token that claims to expire in 1e300 seconds once it is over a day old", async () => {
    const iat = Math.floor(Date.now() / 1000) - 25 * 3600;
    const forever = await new SignJWT({ ...claims }).setProtectedHeader({ alg: "HS256" }).setSubject("u1").setIssuedAt(iat).setExpirationTime(1e300).sign(key);
    expect(await verify(forever)).toBeNull();
  });

  it("refuses a token without an issue time", async () => {
    const noIat = await new SignJWT({ ...claims }).setProtectedHeader({ alg: "HS256" }).setSubject("u1").setExpirationTime("1h").sign(key);
    expect(await verify(noIat)).toBeNull();
  });
});
