import { createHmac, timingSafeEqual } from "node:crypto";
import type { Principal, Role } from "./principal.js";

/**
 * Development default of FILE_LINK_SECRET (public in the source; refused outside development on
 * loopback). The file-link secret is its own: it signs download links and nothing else, so the
 * attachments subgraph, which must hold it, gains no way to make an identity.
 */
export const DEV_FILE_LINK_SECRET = "casegraph-dev-file-link-secret-change-me";

/** Default lifetime of a download link (FILE_LINK_TTL_SECONDS): long enough to click, short enough that a leaked link is soon useless. */
export const DEFAULT_FILE_LINK_TTL_SECONDS = 300;

/** The principal kinds a link may be minted for: clients. The gateway's own system principal downloads nothing. */
export type FileLinkPrincipalKind = "user" | "apiKey";
const LINK_KINDS: readonly string[] = ["user", "apiKey"];
const LINK_ROLES: readonly string[] = ["customer", "partner", "engineer"];

/**
 * What a download link states, all of it covered by its signature: the file, the principal it was
 * minted for (who could see the file then), the file's organization, and until when it works.
 */
export interface FileLink {
  attachmentId: string;
  principal: { kind: FileLinkPrincipalKind; id: string; role: Exclude<Role, "system"> };
  /** The file's organization: the gateway narrows the identity it forwards for the download to it. */
  organizationId: string;
  /** Unix seconds. */
  expires: number;
}

/** The query parameters of a link, besides the attachment id in its path. */
export interface FileLinkQuery {
  principal?: unknown;
  role?: unknown;
  org?: unknown;
  expires?: unknown;
  signature?: unknown;
}

/** The principal a link may be minted for, or null (a system principal gets no link). */
export function linkPrincipalOf(principal: Principal): FileLink["principal"] | null {
  if (!LINK_KINDS.includes(principal.kind) || !LINK_ROLES.includes(principal.role)) return null;
  return { kind: principal.kind as FileLinkPrincipalKind, id: principal.id, role: principal.role as FileLink["principal"]["role"] };
}

/** HMAC-SHA256 over every field, as one JSON array: no separator can make two links sign alike. */
function signature(secret: string, link: FileLink): string {
  const fields = ["casegraph-file-link-v2", link.attachmentId, link.principal.kind, link.principal.role, link.principal.id, link.organizationId, link.expires];
  return createHmac("sha256", `file-links:${secret}`).update(JSON.stringify(fields)).digest("base64url");
}

/**
 * `<baseUrl>/files/<id>?principal=<kind>:<id>&role=<role>&org=<organization>&expires=<unix seconds>&signature=<hmac>`:
 * a link that works on its own, like an S3 presigned URL, until `expires`.
 */
export function signFileLink(baseUrl: string, secret: string, link: FileLink): string {
  const url = new URL(`files/${encodeURIComponent(link.attachmentId)}`, baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
  url.searchParams.set("principal", `${link.principal.kind}:${link.principal.id}`);
  url.searchParams.set("role", link.principal.role);
  url.searchParams.set("org", link.organizationId);
  url.searchParams.set("expires", String(link.expires));
  url.searchParams.set("signature", signature(secret, link));
  return url.toString();
}

/** A link checked: its statements, or why it is refused (`expired` only for a link that was genuinely signed). */
export type FileLinkCheck = { ok: true; link: FileLink } | { ok: false; reason: "invalid" | "expired" };

/**
 * Checks a link for `attachmentId` against `secret` at `now` (unix seconds): refused when tampered
 * with, malformed (a parameter missing or given twice) or expired. The signature is compared in
 * constant time, before the expiry is looked at.
 */
export function verifyFileLink(secret: string, attachmentId: string, query: FileLinkQuery, now: number): FileLinkCheck {
  const invalid = { ok: false, reason: "invalid" } as const;
  const { principal, role, org, expires, signature: given } = query;
  if (typeof principal !== "string" || typeof role !== "string" || typeof org !== "string" || typeof expires !== "string" || typeof given !== "string") return invalid;
  const colon = principal.indexOf(":");
  const kind = principal.slice(0, colon);
  const id = principal.slice(colon + 1);
  if (colon < 0 || !LINK_KINDS.includes(kind) || id === "" || !LINK_ROLES.includes(role) || org === "" || !/^\d{1,12}$/.test(expires)) return invalid;
  const link: FileLink = { attachmentId, principal: { kind: kind as FileLinkPrincipalKind, id, role: role as FileLink["principal"]["role"] }, organizationId: org, expires: Number(expires) };
  const expected = Buffer.from(signature(secret, link));
  const actual = Buffer.from(given);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return invalid;
  return link.expires < now ? { ok: false, reason: "expired" } : { ok: true, link };
}
