import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { ConfigError, type DevDefaultPolicy, devDefaultRefused, readOptional } from "./env.js";

/*
 * The gateway signs identity tokens with an Ed25519 private key (IDENTITY_PRIVATE_KEY); subgraphs hold
 * only the public key (IDENTITY_PUBLIC_KEY) and so can check a token but never make one. Both are
 * PEM; since an env file holds one line per variable, the newlines may be written as the two
 * characters `\n` (what `npm run identity-keys` prints).
 */

/** Development pair, public in the source: used only where the development defaults are allowed. */
export const DEV_IDENTITY_PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIARTREEhaj9+BA+rpWkmlcB8yiDR+T0foWvD+NPv5VrU\n-----END PRIVATE KEY-----\n";
export const DEV_IDENTITY_PUBLIC_KEY = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA0wAMoX8pkDJx7EJszAA/6bny5nCX5U5KF4Rwd5kDoWw=\n-----END PUBLIC KEY-----\n";

type Env = Record<string, string | undefined>;

/**
 * A PEM as an env value holds it: real newlines or `\n` escapes, possibly still inside the quotes of
 * an env file that a tool passed on as they are (`docker run --env-file` does).
 */
function pemOf(value: string): string {
  const unquoted = /^(["'])[\s\S]*\1$/.test(value.trim()) ? value.trim().slice(1, -1) : value;
  return `${unquoted.replace(/\\n/g, "\n").trim()}\n`;
}

/** The gateway's signing key: an Ed25519 private key in PEM (PKCS#8, `-----BEGIN PRIVATE KEY-----`). */
export function readIdentityPrivateKey(env: Env, name: string, policy: DevDefaultPolicy): KeyObject {
  const value = readOptional(env, name);
  if (value === undefined) {
    if (policy.refusedBecause) throw devDefaultRefused(name, policy);
    return createPrivateKey(DEV_IDENTITY_PRIVATE_KEY);
  }
  const pem = pemOf(value);
  let key: KeyObject;
  try {
    if (!pem.startsWith("-----BEGIN PRIVATE KEY-----")) throw new Error("not PKCS#8 PEM");
    key = createPrivateKey(pem);
  } catch {
    throw new ConfigError(`${name} must be an Ed25519 private key in PEM (-----BEGIN PRIVATE KEY-----, newlines written as \\n); npm run identity-keys prints a pair`);
  }
  if (key.asymmetricKeyType !== "ed25519") throw new ConfigError(`${name} must be an Ed25519 key, got ${key.asymmetricKeyType}`);
  if (policy.refusedBecause && key.equals(createPrivateKey(DEV_IDENTITY_PRIVATE_KEY))) throw devDefaultRefused(name, policy, "default");
  return key;
}

/**
 * A subgraph's verifying key: an Ed25519 public key in PEM (SPKI, `-----BEGIN PUBLIC KEY-----`). A
 * private key is refused even though the public half could be derived from it: a subgraph must
 * hold nothing that signs.
 */
export function readIdentityPublicKey(env: Env, name: string, policy: DevDefaultPolicy): KeyObject {
  const value = readOptional(env, name);
  if (value === undefined) {
    if (policy.refusedBecause) throw devDefaultRefused(name, policy);
    return createPublicKey(DEV_IDENTITY_PUBLIC_KEY);
  }
  const pem = pemOf(value);
  if (pem.includes("PRIVATE KEY")) throw new ConfigError(`${name} holds a private key: give this service only the public key (the gateway alone holds IDENTITY_PRIVATE_KEY)`);
  let key: KeyObject;
  try {
    if (!pem.startsWith("-----BEGIN PUBLIC KEY-----")) throw new Error("not SPKI PEM");
    key = createPublicKey(pem);
  } catch {
    throw new ConfigError(`${name} must be an Ed25519 public key in PEM (-----BEGIN PUBLIC KEY-----, newlines written as \\n); npm run identity-keys prints a pair`);
  }
  if (key.asymmetricKeyType !== "ed25519") throw new ConfigError(`${name} must be an Ed25519 key, got ${key.asymmetricKeyType}`);
  if (policy.refusedBecause && key.equals(createPublicKey(DEV_IDENTITY_PUBLIC_KEY))) throw devDefaultRefused(name, policy, "default");
  return key;
}

/** A PEM written on one line, as an env file holds it. */
export function pemAsEnvValue(pem: string): string {
  return pem.trim().replace(/\n/g, "\\n");
}

/** A fresh pair, as keys and as env values: `IDENTITY_PRIVATE_KEY` for the gateway, `IDENTITY_PUBLIC_KEY` for the subgraphs. */
export function generateIdentityKeys(): { privateKey: KeyObject; publicKey: KeyObject; env: { IDENTITY_PRIVATE_KEY: string; IDENTITY_PUBLIC_KEY: string } } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privateKey,
    publicKey,
    env: {
      IDENTITY_PRIVATE_KEY: pemAsEnvValue(privateKey.export({ type: "pkcs8", format: "pem" }) as string),
      IDENTITY_PUBLIC_KEY: pemAsEnvValue(publicKey.export({ type: "spki", format: "pem" }) as string),
    },
  };
}
