import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { demoUser } from "../../gateway/auth/demo-users.js";

export interface TestIdentityProvider {
  /** JWKS_URL, JWT_ISSUER and JWT_AUDIENCE: what a production gateway requires instead of JWT_SECRET. */
  env: { JWKS_URL: string; JWT_ISSUER: string; JWT_AUDIENCE: string };
  /** A bearer token of a demo user (`customer@acme.example`, ...), signed by this provider (ES256). */
  tokenFor(email: string): Promise<string>;
  stop(): Promise<void>;
}

const ISSUER = "https://idp.test.example/";
const AUDIENCE = "casegraph";

/** A stand-in identity provider: a JWKS on a free local port and tokens signed with its key. */
export async function startIdentityProvider(): Promise<TestIdentityProvider> {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: "test-1", alg: "ES256", use: "sig" }] });
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(jwks);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    env: { JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE },
    async tokenFor(email) {
      const claims = demoUser(email);
      if (!claims) throw new Error(`no demo user ${email}`);
      return new SignJWT({ ...claims }).setProtectedHeader({ alg: "ES256", kid: "test-1" }).setSubject(claims.sub).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime("10m").sign(privateKey);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // The gateway's JWKS client keeps its connection alive: close it rather than wait for its timeout.
        server.closeAllConnections();
      }),
  };
}
