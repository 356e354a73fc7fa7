import { describe, expect, it } from "vitest";
import { ConfigError, DEV_SECRET, devDefaultPolicy, isLoopbackHost, readEnvironment, readSecret } from "./env.js";

describe("NODE_ENV", () => {
  it.each([[undefined], [""], ["development"]])("%s is development", (value) => {
    expect(readEnvironment({ NODE_ENV: value })).toBe("development");
  });

  it("test is test", () => {
    expect(readEnvironment({ NODE_ENV: "test" })).toBe("test");
  });

  it.each(["production", "prod", "staging", "Production", "dev", "develop", "qa", " test"])("any other value (%j) is production", (value) => {
    expect(readEnvironment({ NODE_ENV: value })).toBe("production");
  });
});

describe("loopback listeners", () => {
  it.each(["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST"])("%s is loopback", (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(["0.0.0.0", "::", "10.0.0.5", "192.168.1.10", "example.com", "localhost.example.com", "128.0.0.1", ""])("%j is not", (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe("development defaults of secrets", () => {
  const loopback = { CASES_HOST: "127.0.0.1" };

  it("stand in for a missing secret in development, test or with NODE_ENV unset, on loopback", () => {
    for (const NODE_ENV of [undefined, "development", "test"]) {
      expect(readSecret({}, "JWT_SECRET", devDefaultPolicy({ NODE_ENV }, loopback))).toBe(DEV_SECRET);
    }
  });

  it("are refused in production, naming the missing variable and why", () => {
    expect(() => readSecret({}, "JWT_SECRET", devDefaultPolicy({ NODE_ENV: "staging" }, loopback))).toThrow(ConfigError);
    expect(() => readSecret({}, "JWT_SECRET", devDefaultPolicy({ NODE_ENV: "staging" }, loopback))).toThrow(/JWT_SECRET is required: NODE_ENV=staging counts as production/);
  });

  it("are refused in development when a listener binds beyond loopback", () => {
    expect(() => readSecret({}, "JWT_SECRET", devDefaultPolicy({ NODE_ENV: "development" }, { CASES_HOST: "0.0.0.0" }))).toThrow(/JWT_SECRET is required: CASES_HOST=0.0.0.0 is not a loopback address/);
  });

  it("are refused where they may not stand in even when given explicitly", () => {
    expect(() => readSecret({ FILE_LINK_SECRET: "the-public-development-default-value!" }, "FILE_LINK_SECRET", devDefaultPolicy({ NODE_ENV: "prod" }, loopback), "the-public-development-default-value!")).toThrow(
      /FILE_LINK_SECRET is the development default/,
    );
  });

  it("never shorten a configured secret's requirements", () => {
    expect(() => readSecret({ JWT_SECRET: "short" }, "JWT_SECRET", devDefaultPolicy({}, loopback))).toThrow(/JWT_SECRET must be at least 32 characters/);
    expect(readSecret({ JWT_SECRET: "x".repeat(32) }, "JWT_SECRET", devDefaultPolicy({ NODE_ENV: "production" }, { CASES_HOST: "0.0.0.0" }))).toBe("x".repeat(32));
  });
});
