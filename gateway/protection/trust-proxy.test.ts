import { describe, expect, it } from "vitest";
import { ConfigError } from "../../subgraphs/kit/env.js";
import { parseTrustProxy } from "./trust-proxy.js";

describe("TRUST_PROXY", () => {
  it("trusts no proxy when unset, empty, 0 or false", () => {
    for (const raw of [undefined, "", " ", "0", "false", "FALSE"]) expect(parseTrustProxy(raw)).toBe(0);
  });

  it("takes a hop count", () => {
    expect(parseTrustProxy("1")).toBe(1);
    expect(parseTrustProxy("2")).toBe(2);
  });

  it("takes a comma-separated list of addresses and CIDR subnets, IPv4 and IPv6, and Express's named ranges", () => {
    expect(parseTrustProxy("10.0.0.0/8, 192.168.1.10,::1, fd00::/8 ,loopback")).toEqual(["10.0.0.0/8", "192.168.1.10", "::1", "fd00::/8", "loopback"]);
  });

  it("refuses true, naming the variable and saying that it would believe any X-Forwarded-For", () => {
    for (const raw of ["true", "TRUE", " true "]) {
      expect(() => parseTrustProxy(raw)).toThrow(ConfigError);
      expect(() => parseTrustProxy(raw)).toThrow(/^TRUST_PROXY=true is refused: it believes any X-Forwarded-For/);
    }
  });

  it("refuses anything that is neither a hop count nor addresses and subnets, naming the bad entries", () => {
    for (const raw of ["yes", "10.0.0.0/33", "::1/129", "10.0.0.1/", "10.0.0.1,", "10.0.0.256", "example.com", "1.5", "-1", "101"]) {
      expect(() => parseTrustProxy(raw), raw).toThrow(ConfigError);
      expect(() => parseTrustProxy(raw), raw).toThrow(/^TRUST_PROXY /);
    }
    expect(() => parseTrustProxy("10.0.0.1, proxy.internal")).toThrow(/"proxy.internal" is neither/);
  });
});
