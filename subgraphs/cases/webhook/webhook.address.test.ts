import { describe, expect, it } from "vitest";
import { ConfigError } from "../../kit/env.js";
import { readWebhookConfig } from "../config.js";
import { checkEndpointUrl, forbiddenAddressReason, resolveDeliveryTarget, type Resolver } from "./webhook.address.js";

const NONE = { allowedAddresses: [] };
const LOCAL_TESTS = { allowedAddresses: ["127.0.0.1"] };
const answering =
  (...addresses: string[]): Resolver =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));

describe("webhook address rules (SSRF)", () => {
  it.each([
    "127.0.0.1",
    "127.255.0.9",
    "10.0.0.5",
    "10.255.255.255",
    "172.16.0.1",
    "172.31.255.254",
    "192.168.1.1",
    "169.254.169.254",
    "169.254.0.1",
    "100.64.0.1",
    "100.127.255.254",
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
    "198.18.0.1",
    "::1",
    "::",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:a9fe:a9fe",
    "::ffff:10.1.2.3",
    "64:ff9b::10.0.0.1",
  ])("refuses %s", (address) => {
    expect(forbiddenAddressReason(address)).toMatch(/loopback, private, link-local or reserved/);
  });

  it.each(["93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "169.255.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])("accepts the public address %s", (address) => {
    expect(forbiddenAddressReason(address)).toBeNull();
  });

  it("lets the configured exceptions through, and only them", () => {
    expect(forbiddenAddressReason("127.0.0.1", ["127.0.0.1"])).toBeNull();
    expect(forbiddenAddressReason("::ffff:127.0.0.1", ["127.0.0.1"])).toBeNull();
    expect(forbiddenAddressReason("127.0.0.2", ["127.0.0.1"])).not.toBeNull();
    expect(forbiddenAddressReason("10.0.0.1", ["127.0.0.1"])).not.toBeNull();
  });

  it("requires https, except plain http to an allowed address literal", () => {
    expect(() => checkEndpointUrl("http://hooks.partner.example/in", NONE)).toThrow("url must use https");
    expect(() => checkEndpointUrl("ftp://hooks.partner.example/in", NONE)).toThrow("url must use https");
    expect(() => checkEndpointUrl("http://127.0.0.1:8080/in", NONE)).toThrow("url must use https");
    expect(checkEndpointUrl("http://127.0.0.1:8080/in", LOCAL_TESTS).href).toBe("http://127.0.0.1:8080/in");
    expect(() => checkEndpointUrl("http://hooks.partner.example/in", LOCAL_TESTS)).toThrow("url must use https");
    expect(checkEndpointUrl("https://hooks.partner.example/in", NONE).hostname).toBe("hooks.partner.example");
  });

  it("refuses addresses, local names and credentials in the URL", () => {
    expect(() => checkEndpointUrl("https://169.254.169.254/latest/meta-data", NONE)).toThrow(/169\.254\.169\.254 is a loopback, private/);
    expect(() => checkEndpointUrl("https://10.0.0.5/hook", NONE)).toThrow(/10\.0\.0\.5/);
    expect(() => checkEndpointUrl("https://[::1]/hook", NONE)).toThrow(/::1/);
    expect(() => checkEndpointUrl("https://[::ffff:7f00:1]/hook", NONE)).toThrow(/loopback/);
    expect(() => checkEndpointUrl("https://127.0.0.1/hook", NONE)).toThrow(/127\.0\.0\.1/);
    expect(() => checkEndpointUrl("https://localhost/hook", NONE)).toThrow("not a public name");
    expect(() => checkEndpointUrl("https://metadata.google.internal/x", NONE)).toThrow("not a public name");
    expect(() => checkEndpointUrl("https://intranet/x", NONE)).toThrow("not a public name");
    expect(() => checkEndpointUrl("https://user:pw@hooks.partner.example/in", NONE)).toThrow("user name or password");
    expect(() => checkEndpointUrl("not a url", NONE)).toThrow("not a valid URL");
  });

  it("resolves a name once per delivery and refuses it when any address it gives is forbidden", async () => {
    const url = "https://hooks.partner.example/in";
    await expect(resolveDeliveryTarget(url, NONE, answering("127.0.0.1"))).rejects.toThrow("hooks.partner.example resolves to a refused address: 127.0.0.1 is a loopback");
    await expect(resolveDeliveryTarget(url, NONE, answering("93.184.216.34", "10.0.0.7"))).rejects.toThrow("resolves to a refused address: 10.0.0.7");
    await expect(resolveDeliveryTarget(url, NONE, answering("169.254.169.254"))).rejects.toThrow("169.254.169.254");
    await expect(resolveDeliveryTarget(url, NONE, answering())).rejects.toThrow("resolves to no address");
    const failing: Resolver = async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
    };
    await expect(resolveDeliveryTarget(url, NONE, failing)).rejects.toThrow("does not resolve (ENOTFOUND)");
  });

  it("pins the delivery to the checked address", async () => {
    let lookups = 0;
    const counting: Resolver = async () => {
      lookups++;
      return [
        { address: "93.184.216.34", family: 4 },
        { address: "2606:2800:220:1::1", family: 6 },
      ];
    };
    const target = await resolveDeliveryTarget("https://hooks.partner.example/in", NONE, counting);
    expect(target).toMatchObject({ address: "93.184.216.34", family: 4 });
    expect(target.url.hostname).toBe("hooks.partner.example");
    expect(lookups).toBe(1);
  });

  it("refuses local names by their form, before any resolution", async () => {
    // Names like localhost are refused by form already; a public-looking name is refused by its answer.
    await expect(resolveDeliveryTarget("https://localhost/hook", NONE)).rejects.toThrow("not a public name");
    await expect(resolveDeliveryTarget("http://127.0.0.1:9/hook", NONE)).rejects.toThrow("url must use https");
  });
});

describe("webhook configuration", () => {
  it("refuses the loopback/private allowance in production (fail closed)", () => {
    expect(() => readWebhookConfig({ NODE_ENV: "production", WEBHOOK_ALLOWED_ADDRESSES: "127.0.0.1" })).toThrow(ConfigError);
    expect(() => readWebhookConfig({ NODE_ENV: "staging", WEBHOOK_ALLOWED_ADDRESSES: "127.0.0.1" })).toThrow(/production refuses/);
    expect(readWebhookConfig({ NODE_ENV: "test", WEBHOOK_ALLOWED_ADDRESSES: "127.0.0.1, ::1" }).allowedAddresses).toEqual(["127.0.0.1", "::1"]);
    expect(readWebhookConfig({ NODE_ENV: "production" }).allowedAddresses).toEqual([]);
  });

  it("takes IP addresses only as exceptions, and keeps retries within what the feed keeps", () => {
    expect(() => readWebhookConfig({ WEBHOOK_ALLOWED_ADDRESSES: "localhost" })).toThrow(/must list IP addresses/);
    expect(() => readWebhookConfig({ WEBHOOK_RETRY_HOURS: "169" })).toThrow(/WEBHOOK_RETRY_HOURS/);
    expect(readWebhookConfig({})).toMatchObject({ retryHours: 24, timeoutSeconds: 10, secretOverlapHours: 24, dispatchIntervalSeconds: 5 });
  });
});
