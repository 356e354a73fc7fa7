import { createHash, randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** 32 base62 characters: log2(62) × 32 ≈ 190 bits of randomness. */
const RANDOM_LENGTH = 32;
/** CRC32 of the random part in base62 (62^6 > 2^32): catches typos and truncation without a database lookup. */
const CHECKSUM_LENGTH = 6;
/** Characters of the random part shown in listings; the other 24 (≈ 143 bits) stay secret. */
const DISPLAY_LENGTH = 8;
const KEY_PATTERN = new RegExp(`^csk_([0-9A-Za-z]{${RANDOM_LENGTH}})_([0-9A-Za-z]{${CHECKSUM_LENGTH}})$`);

/** A freshly generated partner API key: `key` is shown once, only `hash` and `displayPrefix` are stored. */
export interface GeneratedApiKey {
  key: string;
  hash: string;
  displayPrefix: string;
}

/** Uniform base62 characters by rejection sampling (bytes ≥ 248 would bias `% 62`). */
export function randomBase62(length: number): string {
  let result = "";
  while (result.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && result.length < length) result += BASE62[byte % 62];
    }
  }
  return result;
}

function checksumOf(random: string): string {
  let value = crc32(random);
  let result = "";
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    result = BASE62[value % 62] + result;
    value = Math.floor(value / 62);
  }
  return result;
}

/** SHA-256 (hex) of the whole key: what the database stores and what authentication looks up. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** `csk_<32 base62>_<6 base62 CRC32>`. */
export function generateApiKey(): GeneratedApiKey {
  const random = randomBase62(RANDOM_LENGTH);
  const key = `csk_${random}_${checksumOf(random)}`;
  return { key, hash: hashApiKey(key), displayPrefix: `csk_${random.slice(0, DISPLAY_LENGTH)}` };
}

/** True when `key` has the format and a matching checksum (says nothing about whether it exists). */
export function isWellFormedApiKey(key: string): boolean {
  const match = KEY_PATTERN.exec(key);
  return match !== null && checksumOf(match[1]!) === match[2];
}

/** Public id of a key record (`key_` + 12 base62), what the CLI and audit log lines name. */
export function newApiKeyId(): string {
  return `key_${randomBase62(12)}`;
}
