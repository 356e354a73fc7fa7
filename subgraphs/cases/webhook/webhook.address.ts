import { lookup as dnsLookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

/**
 * Where a webhook may not go (SSRF): addresses of this machine, of private networks, link-local ones
 * (169.254.169.254 is the cloud metadata service), CGNAT, unspecified, multicast, broadcast and the
 * reserved and documentation ranges, in IPv4 and IPv6 (IPv4-mapped and NAT64 addresses are checked as
 * the IPv4 address they carry).
 */
const FORBIDDEN = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8], // "this network", unspecified
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, cloud metadata
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation
  ["192.88.99.0", 24], // 6to4 relay anycast
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation
  ["203.0.113.0", 24], // documentation
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
] as const) {
  FORBIDDEN.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 128], // unspecified
  ["::1", 128], // loopback
  ["100::", 64], // discard
  ["2001:db8::", 32], // documentation
  ["fc00::", 7], // unique local (private)
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local (deprecated)
  ["ff00::", 8], // multicast
] as const) {
  FORBIDDEN.addSubnet(network, prefix, "ipv6");
}

/** The IPv4 address an IPv6 address carries (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible, NAT64 `64:ff9b::/96`), if any. */
function embeddedIpv4(address: string): string | null {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|::|64:ff9b::)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(lower);
  if (dotted) return dotted[1]!;
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const high = parseInt(hex[1]!, 16);
    const low = parseInt(hex[2]!, 16);
    return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  }
  return null;
}

/** Why a webhook may not connect to this IP address, or null when it may. `allowed` lists exceptions (tests: 127.0.0.1). */
export function forbiddenAddressReason(address: string, allowed: readonly string[] = []): string | null {
  const version = isIP(address);
  if (version === 0) return `${address} is not an IP address`;
  if (allowed.includes(address)) return null;
  if (version === 6) {
    const v4 = embeddedIpv4(address);
    if (v4 !== null) {
      if (allowed.includes(v4)) return null;
      return FORBIDDEN.check(v4, "ipv4") ? `${address} is a loopback, private, link-local or reserved address` : null;
    }
  }
  return FORBIDDEN.check(address, version === 4 ? "ipv4" : "ipv6") ? `${address} is a loopback, private, link-local or reserved address` : null;
}

/** What an endpoint URL may be: https (plain http only to an allowed address, for tests), no credentials in it. */
export interface AddressPolicy {
  /** IP addresses allowed although forbidden (WEBHOOK_ALLOWED_ADDRESSES; never in production). */
  allowedAddresses: readonly string[];
}

export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

/** dns.lookup of every address (as the operating system resolves it, /etc/hosts included). */
export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** The host of a URL as an address or name: `[::1]` → `::1`. */
function hostOf(url: URL): string {
  return url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
}

/** Thrown for a URL or an address a webhook may not use; the message says why (it goes to the partner). */
export class WebhookTargetError extends Error {}

/**
 * Checks an endpoint URL's form (at registration and before each delivery): https, or http only to an
 * IP literal among the allowed addresses; no user or password; not a name that can only be local.
 */
export function checkEndpointUrl(raw: string, policy: AddressPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookTargetError("url is not a valid URL");
  }
  if (url.username || url.password) throw new WebhookTargetError("url must not carry a user name or password");
  const host = hostOf(url);
  if (url.protocol === "http:") {
    if (!(isIP(host) && policy.allowedAddresses.includes(host))) throw new WebhookTargetError("url must use https");
  } else if (url.protocol !== "https:") {
    throw new WebhookTargetError("url must use https");
  }
  if (raw.length > 2000) throw new WebhookTargetError("url has at most 2000 characters");
  const name = host.toLowerCase().replace(/\.$/, "");
  if (!isIP(name) && (name === "localhost" || name.endsWith(".localhost") || name.endsWith(".local") || name.endsWith(".internal") || !name.includes("."))) {
    throw new WebhookTargetError(`url's host ${host} is not a public name`);
  }
  if (isIP(host)) {
    const reason = forbiddenAddressReason(host, policy.allowedAddresses);
    if (reason) throw new WebhookTargetError(`url refused: ${reason}`);
  }
  return url;
}

/** The one address a delivery connects to, checked: the URL's host is resolved once per delivery, and every address it resolves to must be allowed. */
export interface DeliveryTarget {
  url: URL;
  /** The checked address the connection is pinned to. */
  address: string;
  family: 4 | 6;
}

/**
 * Resolves an endpoint URL for one delivery. Every address the name resolves to must be allowed (a
 * name answering a public and a private address is refused, not half-trusted); the request then connects
 * to the first of them, so that a second resolution (DNS rebinding) cannot send it elsewhere.
 */
export async function resolveDeliveryTarget(raw: string, policy: AddressPolicy, resolve: Resolver = systemResolver): Promise<DeliveryTarget> {
  const url = checkEndpointUrl(raw, policy);
  const host = hostOf(url);
  const version = isIP(host);
  const addresses = version ? [{ address: host, family: version }] : await resolveOrExplain(host, resolve);
  if (addresses.length === 0) throw new WebhookTargetError(`${host} resolves to no address`);
  for (const { address } of addresses) {
    const reason = forbiddenAddressReason(address, policy.allowedAddresses);
    if (reason) throw new WebhookTargetError(`${host} resolves to a refused address: ${reason}`);
  }
  const first = addresses[0]!;
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

async function resolveOrExplain(host: string, resolve: Resolver) {
  try {
    return await resolve(host);
  } catch (error) {
    throw new WebhookTargetError(`${host} does not resolve (${(error as { code?: string }).code ?? (error as Error).message})`);
  }
}
