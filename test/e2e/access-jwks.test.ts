import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signDevToken } from "../../gateway/auth/bearer-token.js";
import { demoUser } from "../../gateway/auth/demo-users.js";
import { startGraph, TEST_JWT_SECRET, type TestGraph } from "../support/graph.js";

const ISSUER = "https://idp.example/";
const AUDIENCE = "casegraph";
const LIST = "{ cases(first: 1) { totalCount } }";

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

// Token verification touches no data: one database (SQLite) is enough here.
describe("bearer tokens of an identity provider (JWKS, RS256/ES256)", () => {
  let graph: TestGraph;
  let jwks: Server;
  let rsa: KeyPair;
  let ec: KeyPair;
  let impostor: KeyPair;

  function token(key: KeyPair, kid: string, alg: "RS256" | "ES256", change: { issuer?: string; audience?: string; expiresAt?: number | null } = {}): Promise<string> {
    let jwt = new SignJWT({ name: "Aiko Tanaka", email: "customer@acme.example", role: "customer", org: "acme" })
      .setProtectedHeader({ alg, kid })
      .setSubject("idp-user-1")
      .setIssuer(change.issuer ?? ISSUER)
      .setAudience(change.audience ?? AUDIENCE)
      .setIssuedAt();
    if (change.expiresAt !== null) jwt = jwt.setExpirationTime(change.expiresAt ?? "5m");
    return jwt.sign(key.privateKey);
  }

  beforeAll(async () => {
    rsa = await generateKeyPair("RS256");
    ec = await generateKeyPair("ES256");
    impostor = await generateKeyPair("RS256");
    const keys: JWK[] = [
      { ...(await exportJWK(rsa.publicKey)), kid: "rsa-1", alg: "RS256", use: "sig" },
      { ...(await exportJWK(ec.publicKey)), kid: "ec-1", alg: "ES256", use: "sig" },
    ];
    jwks = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    graph = await startGraph({ database: "sqlite", env: { JWKS_URL: jwksUrl, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE } });
  });
  afterAll(async () => {
    await graph?.stop();
    jwks?.close();
  });

  it("accepts RS256 and ES256 tokens signed by a key of the JWKS with the configured issuer and audience", async () => {
    for (const valid of [await token(rsa, "rsa-1", "RS256"), await token(ec, "ec-1", "ES256")]) {
      const response = await graph.request({ query: LIST, token: valid });
      expect(response.status).toBe(200);
      expect(response.errors).toBeUndefined();
      expect(response.data!.cases.totalCount).toBeTypeOf("number");
    }
  });

  it.each([
    ["a wrong issuer", () => token(rsa, "rsa-1", "RS256", { issuer: "https://evil.example/" })],
    ["a wrong audience", () => token(rsa, "rsa-1", "RS256", { audience: "another-api" })],
    ["an expired token", () => token(ec, "ec-1", "ES256", { expiresAt: Math.floor(Date.now() / 1000) - 60 })],
    ["no expiry", () => token(rsa, "rsa-1", "RS256", { expiresAt: null })],
    ["a key not in the JWKS (under a published kid)", () => token(impostor, "rsa-1", "RS256")],
    ["a key not in the JWKS (unknown kid)", () => token(impostor, "rsa-2", "RS256")],
    ["the HS256 dev secret (refused once a JWKS is configured)", () => signDevToken(demoUser("customer@acme.example")!, TEST_JWT_SECRET, "5m", { issuer: ISSUER, audience: AUDIENCE })],
  ])("refuses %s with 401 UNAUTHENTICATED", async (_case, make) => {
    const response = await graph.request({ query: LIST, token: await make() });
    expect(response.status).toBe(401);
    expect(response.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});
