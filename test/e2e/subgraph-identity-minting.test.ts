import { createHmac, createPrivateKey, KeyObject, sign } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatewayConfig } from "../../gateway/config.js";
import { attachmentsConfig } from "../../subgraphs/attachments/config.js";
import { casesConfig } from "../../subgraphs/cases/config.js";
import { IDENTITY_HEADER, signIdentity } from "../../subgraphs/kit/identity.js";
import { identityAudience, SUBGRAPH_NAMES, type SubgraphName } from "../../subgraphs/kit/topology.js";
import { threatsConfig } from "../../subgraphs/threat-analysis/config.js";
import { type ExtraGateway, startGatewayOver } from "../support/extra-gateway.js";
import { postGraphQL, startGraph, type TestGraph } from "../support/graph.js";
import { TEST_IDENTITY_KEYS } from "../support/identity-keys.js";
import { startIdentityProvider, type TestIdentityProvider } from "../support/identity-provider.js";
import { PRINCIPALS } from "../support/principals.js";
import { PRODUCTION_ENV } from "../support/production-env.js";

const SUBGRAPH_CONFIGS: Record<SubgraphName, (env: Record<string, string>) => object> = { cases: casesConfig, attachments: attachmentsConfig, "threat-analysis": threatsConfig };
const engineer = PRINCIPALS.engineer;
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** Every string in a configuration (and every key, exported every way), as candidate signing material. */
function materialOf(value: unknown, found: { strings: Set<string>; keys: KeyObject[] } = { strings: new Set(), keys: [] }) {
  if (typeof value === "string" || typeof value === "number") found.strings.add(String(value));
  else if (value instanceof KeyObject) {
    found.keys.push(value);
    if (value.type !== "secret") {
      found.strings.add(value.export({ type: "spki", format: "pem" }) as string);
      found.strings.add((value.export({ type: "spki", format: "der" }) as Buffer).toString("base64"));
    }
  } else if (value && typeof value === "object") for (const item of Object.values(value)) materialOf(item, found);
  return found;
}

/** `candidate` read as a private key, every way an attacker would try (PEM, escaped PEM, base64 DER). */
function asPrivateKey(candidate: string): KeyObject | null {
  for (const attempt of [() => createPrivateKey(candidate), () => createPrivateKey(candidate.replace(/\\n/g, "\n")), () => createPrivateKey({ key: Buffer.from(candidate, "base64"), format: "der", type: "pkcs8" })]) {
    try {
      return attempt();
    } catch {
      // not a private key this way
    }
  }
  return null;
}

function jwsAlgorithm(key: KeyObject): string {
  return key.asymmetricKeyType === "ed25519" ? "EdDSA" : key.asymmetricKeyType === "ec" ? "ES256" : "RS256";
}

/** Identity tokens for `target` claiming an engineer, made with `candidate` as an HMAC key and, when it is one, as a private key. */
function forgedIdentities(candidate: string, target: SubgraphName): string[] {
  const now = Math.floor(Date.now() / 1000);
  const claims = base64url({ principal: engineer, iss: "casegraph-gateway", aud: identityAudience(target), iat: now, exp: now + 60 });
  const tokens = [];
  for (const [alg, hash] of [
    ["HS256", "sha256"],
    ["EdDSA", "sha512"],
  ] as const) {
    // HMAC-SHA512 under the EdDSA header: a signature of the 64 bytes an Ed25519 one has.
    const input = `${base64url({ alg, typ: "JWT" })}.${claims}`;
    tokens.push(`${input}.${createHmac(hash, candidate).update(input).digest("base64url")}`);
  }
  const key = asPrivateKey(candidate);
  if (key) {
    const input = `${base64url({ alg: jwsAlgorithm(key), typ: "JWT" })}.${claims}`;
    tokens.push(`${input}.${sign(key.asymmetricKeyType === "ed25519" ? null : "sha256", Buffer.from(input), key).toString("base64url")}`);
  }
  return tokens;
}

describe("only the gateway can mint identity: nothing in a subgraph's configuration signs a token another service accepts", () => {
  let graph: TestGraph;
  let idp: TestIdentityProvider;
  let gateway: ExtraGateway;

  /** Bearer tokens of an engineer for the production gateway, made with `candidate` as an HMAC secret and, when it is one, as a private key. */
  async function forgedBearers(candidate: string): Promise<string[]> {
    const claims = { name: "Forged Engineer", email: "forged@support.example", role: "engineer" };
    const jwt = () => new SignJWT(claims).setSubject("forged").setIssuer(idp.env.JWT_ISSUER).setAudience(idp.env.JWT_AUDIENCE).setIssuedAt().setExpirationTime("5m");
    const tokens = [await jwt().setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(candidate))];
    const key = asPrivateKey(candidate);
    if (key)
      tokens.push(
        await jwt()
          .setProtectedHeader({ alg: jwsAlgorithm(key), kid: "test-1" })
          .sign(key),
      );
    return tokens;
  }

  /** Every forgery from `strings` against every service but `owner`, through HTTP; returns those that were not refused with 401. */
  async function accepted(owner: SubgraphName | null, strings: Iterable<string>): Promise<string[]> {
    const failures: string[] = [];
    for (const candidate of strings) {
      for (const target of SUBGRAPH_NAMES.filter((name) => name !== owner)) {
        for (const token of forgedIdentities(candidate, target)) {
          const response = await postGraphQL(graph.urls[target], { query: "{ __typename }" }, { [IDENTITY_HEADER]: token });
          if (response.status !== 401) failures.push(`${target} answered ${response.status} to a token made with ${JSON.stringify(candidate.slice(0, 40))}`);
        }
      }
      for (const token of await forgedBearers(candidate)) {
        const response = await postGraphQL(gateway.url, { query: "{ __typename }" }, { authorization: `Bearer ${token}` });
        if (response.status !== 401) failures.push(`the gateway answered ${response.status} to a bearer token made with ${JSON.stringify(candidate.slice(0, 40))}`);
      }
    }
    return failures;
  }

  beforeAll(async () => {
    graph = await startGraph({ database: "sqlite" });
    idp = await startIdentityProvider();
    // A production gateway over the same subgraphs: bearer tokens from the identity provider only.
    gateway = await startGatewayOver(graph, { NODE_ENV: "production", ...idp.env, RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: "1000000" });
  });
  afterAll(async () => {
    await gateway?.stop();
    await idp?.stop();
    await graph?.stop();
  });

  it.each(SUBGRAPH_NAMES)("no string or key of the %s subgraph's production configuration signs an engineer identity that another service accepts", async (owner) => {
    const env = PRODUCTION_ENV[owner];
    const material = materialOf(SUBGRAPH_CONFIGS[owner](env));
    for (const value of Object.values(env)) material.strings.add(value);
    expect(material.strings.size).toBeGreaterThan(8);
    // The only keys a subgraph holds are public: they cannot sign at all.
    expect(material.keys.map((key) => key.type)).toEqual(["public"]);
    expect(() => sign(null, Buffer.from("x"), material.keys[0]!)).toThrow();
    expect(await accepted(owner, material.strings)).toEqual([]);
  });

  it("the same forgeries succeed with the gateway's key, so the check above can fail", async () => {
    const leaked = await accepted(null, [TEST_IDENTITY_KEYS.env.IDENTITY_PRIVATE_KEY]);
    expect(leaked.length).toBe(SUBGRAPH_NAMES.length);
    const gatewayKey = gatewayConfig(PRODUCTION_ENV.gateway).identityPrivateKey;
    for (const target of SUBGRAPH_NAMES) {
      const response = await postGraphQL(graph.urls[target], { query: "{ __typename }" }, { [IDENTITY_HEADER]: signIdentity(engineer, identityAudience(target), gatewayKey) });
      expect(response.status, target).toBe(200);
    }
    expect((await postGraphQL(gateway.url, { query: "{ __typename }" }, { authorization: `Bearer ${await idp.tokenFor("engineer@support.example")}` })).status).toBe(200);
  });
});
