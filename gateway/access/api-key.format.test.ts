import { describe, expect, it } from "vitest";
import { generateApiKey, hashApiKey, isWellFormedApiKey, newApiKeyId } from "./api-key.format.js";

describe("partner API key format", () => {
  it("generates csk_<32 base62>_<6 base62 checksum> keys that verify", () => {
    const { key } = generateApiKey();
    expect(key).toMatch(/^csk_[0-9A-Za-z]{32}_[0-9A-Za-z]{6}$/);
    expect(isWellFormedApiKey(key)).toBe(true);
  });

  it("carries at least 128 bits of randomness (32 base62 characters, all different across keys)", () => {
    const randoms = Array.from({ length: 200 }, () => generateApiKey().key.split("_")[1]!);
    expect(new Set(randoms).size).toBe(200);
    expect(32 * Math.log2(62)).toBeGreaterThan(128);
    // every base62 character shows up: the alphabet is used uniformly, not a hex subset
    expect(new Set(randoms.join("")).size).toBe(62);
  });

  it("refuses a key whose checksum does not match its random part (typos, truncation)", () => {
    const { key } = generateApiKey();
    const random = key.slice(4, 36);
    const flipped = random[5] === "a" ? "b" : "a";
    const typo = `csk_${random.slice(0, 5)}${flipped}${random.slice(6)}${key.slice(36)}`;
    expect(isWellFormedApiKey(typo)).toBe(false);
    expect(isWellFormedApiKey(key.slice(0, -1))).toBe(false);
    expect(isWellFormedApiKey(`${key} `)).toBe(false);
    expect(isWellFormedApiKey(key.replace("csk_", "csx_"))).toBe(false);
    expect(isWellFormedApiKey("")).toBe(false);
  });

  it("stores only a SHA-256 hash and a display prefix that reveals 8 of the 32 random characters", () => {
    const { key, hash, displayPrefix } = generateApiKey();
    expect(hash).toBe(hashApiKey(key));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(displayPrefix).toBe(key.slice(0, 12));
    expect(key.startsWith(displayPrefix)).toBe(true);
  });

  it("names key records with a public id unrelated to the secret", () => {
    expect(newApiKeyId()).toMatch(/^key_[0-9A-Za-z]{12}$/);
  });
});
