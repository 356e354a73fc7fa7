import { isIP } from "node:net";
import { ConfigError } from "../../subgraphs/kit/env.js";

/**
 * Which proxies in front of the gateway may name the client (Express `trust proxy`): a hop count
 * (`0`: none, the default) or the proxies' addresses and subnets. Never "every proxy" (`true`).
 */
export type TrustProxy = number | string[];

/** Express's names for well-known ranges: 127.0.0.0/8 and ::1, 169.254.0.0/16 and fe80::/10, 10/8, 172.16/12, 192.168/16 and fc00::/7. */
const NAMED_RANGES = new Set(["loopback", "linklocal", "uniquelocal"]);

function isAddressOrSubnet(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split("/");
  const family = isIP(address ?? "");
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * Reads `TRUST_PROXY`: unset, `0` or `false` trusts no proxy; a whole number is how many proxies
 * stand in front of the gateway (the client is that many addresses from the right of
 * X-Forwarded-For); otherwise a comma-separated list of proxy addresses or CIDR subnets. `true` is
 * refused: it would take the left-most X-Forwarded-For entry, which any client writes itself, as its
 * address, so every request could pick a fresh unauthenticated budget.
 */
export function parseTrustProxy(raw: string | undefined): TrustProxy {
  const value = raw?.trim() ?? "";
  if (value === "" || value.toLowerCase() === "false") return 0;
  if (value.toLowerCase() === "true") {
    throw new ConfigError(
      "TRUST_PROXY=true is refused: it believes any X-Forwarded-For header, so a client could choose its own address and rate-limit budget. Set the number of proxies in front of the gateway (e.g. 1) or their addresses/subnets (e.g. 10.0.0.0/8)",
    );
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > 100) throw new ConfigError(`TRUST_PROXY must be a hop count up to 100 or a list of addresses/subnets, got "${raw}"`);
    return hops;
  }
  const entries = value.split(",").map((entry) => entry.trim());
  const invalid = entries.filter((entry) => !isAddressOrSubnet(entry));
  if (invalid.length > 0) {
    throw new ConfigError(`TRUST_PROXY must be a hop count or a comma-separated list of IP addresses or CIDR subnets (or loopback, linklocal, uniquelocal); "${invalid.join('", "')}" is neither`);
  }
  return entries;
}
