import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Development default of FILE_LINK_SECRET (public in the source; refused outside development on
 * loopback). The file-link secret is its own: it signs download links and nothing else, so the
 * attachments subgraph, which must hold it, gains no way to make an identity.
 */
export const DEV_FILE_LINK_SECRET = "casegraph-dev-file-link-secret-change-me";

/** Signed, expiring download links: `/files/<id>?expires=<unix seconds>&signature=<hmac>`. */
function signature(secret: string, attachmentId: string, expires: number): string {
  return createHmac("sha256", `file-links:${secret}`).update(`${attachmentId}.${expires}`).digest("base64url");
}

export function signFileLink(baseUrl: string, secret: string, attachmentId: string, expires: number): string {
  const url = new URL(`files/${encodeURIComponent(attachmentId)}`, baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
  url.searchParams.set("expires", String(expires));
  url.searchParams.set("signature", signature(secret, attachmentId, expires));
  return url.toString();
}

/** True when the link was signed with `secret` and has not expired at `now` (unix seconds). */
export function verifyFileLink(secret: string, attachmentId: string, expires: string | undefined, given: string | undefined, now: number): boolean {
  const expiresAt = Number(expires);
  if (!given || !Number.isInteger(expiresAt) || expiresAt < now) return false;
  const expected = Buffer.from(signature(secret, attachmentId, expiresAt));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
