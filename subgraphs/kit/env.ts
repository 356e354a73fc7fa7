/** Thrown at start-up when a variable is missing or malformed; the message names the variable. */
export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

export function readString(env: Env, name: string, fallback?: string): string {
  const value = env[name];
  if (value !== undefined && value !== "") return value;
  if (fallback !== undefined) return fallback;
  throw new ConfigError(`${name} is required`);
}

export function readOptional(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === "" ? undefined : value;
}

export function readInt(env: Env, name: string, fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

export function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (["1", "true", "yes", "on"].includes(raw.toLowerCase())) return true;
  if (["0", "false", "no", "off"].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

export function readUrl(env: Env, name: string, fallback?: string): string {
  const value = readString(env, name, fallback);
  try {
    new URL(value);
  } catch {
    throw new ConfigError(`${name} must be a URL, got "${value}"`);
  }
  return value;
}

/**
 * `<PREFIX>_DATABASE_REPLICA_URLS`: comma-separated MySQL URLs of read replicas of `<PREFIX>_DATABASE_URL`
 * (kit/read-routing.ts). Empty when unset; refused without the primary's URL, or with another scheme.
 */
export function readReplicaUrls(env: Env, name: string, primaryName: string): string[] {
  const raw = readOptional(env, name);
  if (!raw) return [];
  if (!readOptional(env, primaryName)) throw new ConfigError(`${name} needs ${primaryName}: replicas are read alongside a MySQL primary`);
  return raw.split(",").map((value) => {
    const url = value.trim();
    if (!/^(mysql|mariadb):\/\/[^/]/.test(url)) throw new ConfigError(`${name} must be comma-separated mysql:// or mariadb:// URLs, got "${url}"`);
    return url;
  });
}

export type Environment = "development" | "production" | "test";

/**
 * NODE_ENV: unset (or empty) and `development` are development, `test` is test, and every other
 * value (`production`, `prod`, `staging`, a typo...) is production for every purpose: no IDE, no demo
 * data, no development defaults. A mistake in this variable can only close the service, never open it.
 */
export function readEnvironment(env: Env): Environment {
  const value = readOptional(env, "NODE_ENV");
  if (value === undefined || value === "development") return "development";
  return value === "test" ? "test" : "production";
}

/** 127.0.0.0/8, ::1 and localhost: addresses no other machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const name = host.trim().toLowerCase();
  return name === "localhost" || name === "::1" || name === "[::1]" || /^127(\.\d{1,3}){3}$/.test(name);
}

/**
 * Whether development defaults (secrets and keys written in the source, so public) may stand in
 * for missing variables: only in development or test AND with every listener of the service on
 * loopback, where nobody else can present a token signed with them.
 */
export interface DevDefaultPolicy {
  /** Null when the defaults may be used; otherwise why not, for the start-up error. */
  refusedBecause: string | null;
}

/** The policy of one service, from its environment and the hosts its listeners bind (`{ CASES_HOST: "0.0.0.0" }`). */
export function devDefaultPolicy(env: Env, listeners: Record<string, string>): DevDefaultPolicy {
  if (readEnvironment(env) === "production") return { refusedBecause: `NODE_ENV=${env.NODE_ENV} counts as production` };
  for (const [variable, host] of Object.entries(listeners)) {
    if (!isLoopbackHost(host)) return { refusedBecause: `${variable}=${host} is not a loopback address` };
  }
  return { refusedBecause: null };
}

/** The start-up error for a secret that is missing (or is the public development default) where the defaults are refused. */
export function devDefaultRefused(name: string, policy: DevDefaultPolicy, given: "missing" | "default" = "missing"): ConfigError {
  const what = given === "missing" ? `${name} is required` : `${name} is the development default, which is public in the source`;
  return new ConfigError(`${what}: ${policy.refusedBecause} (development defaults need NODE_ENV unset, development or test, and every listener on 127.0.0.1, ::1 or localhost)`);
}

/** The dev-only bearer token secret (`JWT_SECRET`), refused outside development on loopback. */
export const DEV_SECRET = "casegraph-dev-secret-change-me";

/** A secret of at least 32 characters; the development default stands in only where `policy` allows. */
export function readSecret(env: Env, name: string, policy: DevDefaultPolicy, devDefault = DEV_SECRET): string {
  const value = readOptional(env, name);
  if (value) {
    if (value.length < 32) throw new ConfigError(`${name} must be at least 32 characters`);
    if (value === devDefault && policy.refusedBecause) throw devDefaultRefused(name, policy, "default");
    return value;
  }
  if (policy.refusedBecause) throw devDefaultRefused(name, policy);
  return devDefault;
}
