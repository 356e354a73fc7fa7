import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { gatewayConfig } from "../../gateway/config.js";
import { attachmentsConfig } from "../../subgraphs/attachments/config.js";
import { casesConfig } from "../../subgraphs/cases/config.js";
import { ConfigError, DEV_SECRET } from "../../subgraphs/kit/env.js";
import { DEV_FILE_LINK_SECRET } from "../../subgraphs/kit/file-links.js";
import { DEV_IDENTITY_PRIVATE_KEY, DEV_IDENTITY_PUBLIC_KEY, pemAsEnvValue } from "../../subgraphs/kit/identity-keys.js";
import { SERVICES, type ServiceName } from "../../subgraphs/kit/topology.js";
import { threatsConfig } from "../../subgraphs/threat-analysis/config.js";
import { TEST_IDENTITY_KEYS } from "../support/identity-keys.js";
import { PRODUCTION_ENV, REQUIRED_IN_PRODUCTION } from "../support/production-env.js";

type Env = Record<string, string | undefined>;
const CONFIGS: Record<ServiceName, (env: Env) => { environment: string }> = { cases: casesConfig, attachments: attachmentsConfig, "threat-analysis": threatsConfig, gateway: gatewayConfig };
const NAMES = Object.keys(CONFIGS) as ServiceName[];
/** The variable each service's development default would stand in for first. */
const FIRST_SECRET: Record<ServiceName, string> = { cases: "IDENTITY_PUBLIC_KEY", attachments: "IDENTITY_PUBLIC_KEY", "threat-analysis": "IDENTITY_PUBLIC_KEY", gateway: "JWT_SECRET" };

function without(env: Record<string, string>, name: string): Env {
  const { [name]: _removed, ...rest } = env;
  return rest;
}

describe("fail closed: each service refuses to start on development defaults outside development on loopback", () => {
  it.each(NAMES)("%s starts with NODE_ENV unset, development or test on loopback, on the development defaults", (name) => {
    for (const NODE_ENV of [undefined, "development", "test"]) {
      for (const host of ["127.0.0.1", "::1", "localhost"]) {
        expect(CONFIGS[name]({ NODE_ENV, [SERVICES[name].hostVariable]: host }).environment).toBe(NODE_ENV ?? "development");
      }
    }
  });

  it.each(NAMES)("%s refuses NODE_ENV=staging (any value but development or test is production) without its keys, naming the variable", (name) => {
    for (const NODE_ENV of ["staging", "prod", "Production"]) {
      expect(() => CONFIGS[name]({ NODE_ENV })).toThrow(ConfigError);
    }
    const env = { ...PRODUCTION_ENV[name], NODE_ENV: "staging" };
    for (const variable of REQUIRED_IN_PRODUCTION[name]) {
      expect(() => CONFIGS[name](without(env, variable)), variable).toThrow(new RegExp(`${variable} is required`));
    }
  });

  it.each(NAMES)("%s refuses development on 0.0.0.0 without its keys, naming the variable and the listener", (name) => {
    const hostVariable = SERVICES[name].hostVariable;
    for (const NODE_ENV of [undefined, "development", "test"]) {
      expect(() => CONFIGS[name]({ NODE_ENV, [hostVariable]: "0.0.0.0" })).toThrow(new RegExp(`${FIRST_SECRET[name]} is required: ${hostVariable}=0.0.0.0 is not a loopback address`));
    }
  });

  it.each(NAMES)("%s starts in production with what docker-compose.yml gives it, and treats NODE_ENV=staging as production", (name) => {
    expect(CONFIGS[name](PRODUCTION_ENV[name]).environment).toBe("production");
    expect(CONFIGS[name]({ ...PRODUCTION_ENV[name], NODE_ENV: "staging" }).environment).toBe("production");
  });

  it("turns the IDE off for NODE_ENV=staging, as for production", () => {
    expect(gatewayConfig({ ...PRODUCTION_ENV.gateway, NODE_ENV: "staging" }).explorer).toBe(false);
  });

  it.each(NAMES)("%s refuses the development keys and secrets in production even when given explicitly", (name) => {
    const dev = { IDENTITY_PUBLIC_KEY: pemAsEnvValue(DEV_IDENTITY_PUBLIC_KEY), IDENTITY_PRIVATE_KEY: pemAsEnvValue(DEV_IDENTITY_PRIVATE_KEY), FILE_LINK_SECRET: DEV_FILE_LINK_SECRET };
    for (const variable of REQUIRED_IN_PRODUCTION[name].filter((v) => v in dev)) {
      expect(() => CONFIGS[name]({ ...PRODUCTION_ENV[name], [variable]: dev[variable as keyof typeof dev] }), variable).toThrow(new RegExp(`${variable} is the development default`));
    }
  });
});

describe("fail closed: identity keys", () => {
  it.each(["cases", "attachments", "threat-analysis"] as const)("%s refuses a private key as IDENTITY_PUBLIC_KEY (a subgraph must hold nothing that signs)", (name) => {
    expect(() => CONFIGS[name]({ ...PRODUCTION_ENV[name], IDENTITY_PUBLIC_KEY: TEST_IDENTITY_KEYS.env.IDENTITY_PRIVATE_KEY })).toThrow(/IDENTITY_PUBLIC_KEY holds a private key/);
  });

  it.each(["cases", "attachments", "threat-analysis"] as const)("%s refuses a malformed or non-Ed25519 IDENTITY_PUBLIC_KEY, naming it", (name) => {
    expect(() => CONFIGS[name]({ ...PRODUCTION_ENV[name], IDENTITY_PUBLIC_KEY: "not a key" })).toThrow(/IDENTITY_PUBLIC_KEY must be an Ed25519 public key in PEM/);
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ type: "spki", format: "pem" }) as string;
    expect(() => CONFIGS[name]({ ...PRODUCTION_ENV[name], IDENTITY_PUBLIC_KEY: rsa })).toThrow(/IDENTITY_PUBLIC_KEY must be an Ed25519 key, got rsa/);
  });

  it("the gateway refuses a malformed IDENTITY_PRIVATE_KEY, naming it", () => {
    expect(() => gatewayConfig({ ...PRODUCTION_ENV.gateway, IDENTITY_PRIVATE_KEY: TEST_IDENTITY_KEYS.env.IDENTITY_PUBLIC_KEY })).toThrow(/IDENTITY_PRIVATE_KEY must be an Ed25519 private key in PEM/);
  });

  it("accepts a PEM with real newlines, with \\n escapes, and inside the quotes of an env file", () => {
    const escaped = TEST_IDENTITY_KEYS.env.IDENTITY_PUBLIC_KEY;
    for (const IDENTITY_PUBLIC_KEY of [escaped, escaped.replace(/\\n/g, "\n"), `'${escaped}'`, `"${escaped}"`]) {
      expect(casesConfig({ ...PRODUCTION_ENV.cases, IDENTITY_PUBLIC_KEY }).identityPublicKey.equals(TEST_IDENTITY_KEYS.publicKey)).toBe(true);
    }
  });
});

describe("fail closed: bearer tokens in production come from an identity provider", () => {
  it.each(["JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE"])("the gateway refuses to start in production without %s", (variable) => {
    expect(() => gatewayConfig(without(PRODUCTION_ENV.gateway, variable))).toThrow(new RegExp(`${variable} is required in production`));
  });

  it("the gateway refuses JWT_SECRET in production, even next to a JWKS", () => {
    expect(() => gatewayConfig({ ...PRODUCTION_ENV.gateway, JWT_SECRET: "a-production-jwt-secret-of-32-chars-or-more" })).toThrow(/JWT_SECRET is for development only/);
  });

  it("development keeps the HS256 dev secret (npm run token) unless a JWKS is configured", () => {
    expect(gatewayConfig({}).jwtSecret).toBe(DEV_SECRET);
    expect(gatewayConfig({ JWKS_URL: "http://127.0.0.1:9/jwks.json" }).jwtSecret).toBeUndefined();
  });
});

describe("docker-compose.yml", () => {
  const compose = readFileSync(new URL("../../docker-compose.yml", import.meta.url), "utf8");
  /** Lines of one service's block under `services:`. */
  const block = (service: string) => {
    const lines = compose.split("\n");
    const start = lines.indexOf(`  ${service}:`);
    const end = lines.findIndex((line, index) => index > start && /^ {2}[\w-]+:$/.test(line));
    return lines.slice(start, end === -1 ? undefined : end).join("\n");
  };

  it("asks the operator for every variable production requires (${NAME:?...}), and passes no JWT_SECRET", () => {
    for (const variable of new Set(Object.values(REQUIRED_IN_PRODUCTION).flat())) expect(compose, variable).toContain(`\${${variable}:?`);
    expect(compose).not.toMatch(/^\s+JWT_SECRET:|IDENTITY_SECRET/m);
  });

  it("gives the identity private key to the gateway alone", () => {
    expect(compose.match(/^\s+IDENTITY_PRIVATE_KEY:/gm)).toHaveLength(1);
    expect(block("gateway")).toContain("IDENTITY_PRIVATE_KEY:");
    expect(compose.match(/^\s+FILE_LINK_SECRET:/gm)).toHaveLength(2);
    expect(block("attachments")).toContain("FILE_LINK_SECRET:");
    expect(block("gateway")).toContain("FILE_LINK_SECRET:");
  });
});
