import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { gatewayConfig } from "../../gateway/config.js";
import { attachmentsConfig } from "../../subgraphs/attachments/config.js";
import { casesConfig } from "../../subgraphs/cases/config.js";
import { tracingEndpoint } from "../../subgraphs/kit/telemetry/tracing.js";
import type { ServiceName } from "../../subgraphs/kit/topology.js";
import { threatsConfig } from "../../subgraphs/threat-analysis/config.js";
import { TEST_FILE_LINK_SECRET, TEST_IDENTITY_KEYS } from "../support/identity-keys.js";
import { PRODUCTION_IDP_ENV } from "../support/production-env.js";
import { REPO } from "../support/service-build.js";

/**
 * docker-compose.yml cannot run on the machines that test this code (no Docker engine), so this
 * keeps it true from both sides, reading the file itself:
 * - every variable it sets for a service is read by that service (a renamed or removed variable
 *   would otherwise be set for nothing, and the deployment would run on a default unnoticed);
 * - every variable a service requires in production is set there: the service's configuration,
 *   given exactly compose's environment with NODE_ENV=production, starts, and each variable whose
 *   absence stops it is in the file.
 */

type Env = Record<string, string | undefined>;

/** Everything a service reads from its environment at start-up: its configuration, and the tracing switch of every process. */
const READERS: Record<ServiceName, (env: Env) => unknown> = {
  gateway: (env) => [gatewayConfig(env), tracingEndpoint(env)],
  cases: (env) => [casesConfig(env), tracingEndpoint(env)],
  attachments: (env) => [attachmentsConfig(env), tracingEndpoint(env)],
  "threat-analysis": (env) => [threatsConfig(env), tracingEndpoint(env)],
};
const SERVICES = Object.keys(READERS) as ServiceName[];

/** What an operator puts in the `.env` next to the file for the `${NAME:?...}` it asks for. */
const OPERATOR_ENV: Record<string, string> = { ...TEST_IDENTITY_KEYS.env, FILE_LINK_SECRET: TEST_FILE_LINK_SECRET, ...PRODUCTION_IDP_ENV };

/** `${NAME:-default}` becomes the default, `${NAME:?message}` the operator's value, `$$` a dollar sign. */
function interpolate(value: string, asked: Set<string>): string {
  return value
    .replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_match, name: string, kind?: string, rest?: string) => {
      if (kind === "?") {
        asked.add(name);
        if (!(name in OPERATOR_ENV)) throw new Error(`docker-compose.yml asks the operator for ${name}: give this test a value for it`);
        return OPERATOR_ENV[name]!;
      }
      return kind === "-" ? (rest ?? "") : "";
    })
    .replace(/\$\$/g, "$");
}

interface ComposeService {
  env: Record<string, string>;
  /** Variables compose refuses to start without (`${NAME:?...}`). */
  asked: Set<string>;
}

function composeServices(): Record<ServiceName, ComposeService> {
  const file = parse(readFileSync(join(REPO, "docker-compose.yml"), "utf8"), { merge: true }) as { services: Record<string, { environment?: Record<string, unknown> }> };
  return Object.fromEntries(
    SERVICES.map((name) => {
      const asked = new Set<string>();
      const raw = file.services[name]?.environment;
      if (!raw) throw new Error(`docker-compose.yml has no environment for ${name}`);
      const env = Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, interpolate(typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : "", asked)]));
      return [name, { env, asked }];
    }),
  ) as Record<ServiceName, ComposeService>;
}

/** The names `read` looks up in `env` (present or not). */
function namesRead(read: (env: Env) => unknown, env: Env): Set<string> {
  const seen = new Set<string>();
  const proxy = new Proxy(env, {
    get(target, name) {
      if (typeof name === "string") seen.add(name);
      return target[name as string];
    },
    has(target, name) {
      if (typeof name === "string") seen.add(name);
      return name in target;
    },
  });
  read(proxy);
  return seen;
}

function starts(read: (env: Env) => unknown, env: Env): boolean {
  try {
    read(env);
    return true;
  } catch {
    return false;
  }
}

const COMPOSE = composeServices();

describe("docker-compose.yml", () => {
  it.each(SERVICES)("sets only variables that %s reads", (name) => {
    const read = namesRead(READERS[name], COMPOSE[name].env);
    const unread = Object.keys(COMPOSE[name].env).filter((variable) => !read.has(variable));
    expect(unread).toEqual([]);
  });

  it.each(SERVICES)("sets every variable %s requires in production", (name) => {
    const env = { ...COMPOSE[name].env, NODE_ENV: "production" };
    // With exactly what compose gives it, the service starts in production.
    expect(() => READERS[name](env)).not.toThrow();
    // Each variable without which it would not start is set there, asked of the operator or given a value.
    const required = Object.keys(env).filter((variable) => variable !== "NODE_ENV" && !starts(READERS[name], { ...env, [variable]: undefined }));
    expect(required.length).toBeGreaterThan(0);
    for (const variable of required) expect(COMPOSE[name].env[variable], variable).toMatch(/\S/);
    // Secrets have no usable default: compose asks the operator for each one rather than inventing it.
    for (const secret of ["IDENTITY_PRIVATE_KEY", "IDENTITY_PUBLIC_KEY", "FILE_LINK_SECRET", "JWKS_URL"].filter((variable) => required.includes(variable))) {
      expect(COMPOSE[name].asked, secret).toContain(secret);
    }
  });

  it("notices a variable set for a service that does not read it, and a required one left out", () => {
    // The checks above would pass vacuously if the reading or the requiring were not observed: both bite here.
    const withExtra = { ...COMPOSE.cases.env, CASES_DATABSE_URL: "mysql://typo" };
    expect(namesRead(READERS.cases, withExtra).has("CASES_DATABSE_URL")).toBe(false);
    const { IDENTITY_PRIVATE_KEY: _dropped, ...withoutKey } = COMPOSE.gateway.env;
    expect(starts(READERS.gateway, { ...withoutKey, NODE_ENV: "production" })).toBe(false);
  });
});
