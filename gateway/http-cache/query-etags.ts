import { createHash } from "node:crypto";
import type { Request, RequestHandler } from "express";
import type { Principal } from "../../subgraphs/kit/principal.js";
import { queryScanOf } from "../protection/query-limits.js";
import { selectedOperation } from "../protection/query-scan.js";

/** What a query's answer may be kept as: by the caller's own client only, and checked with the gateway before each reuse. */
export const QUERY_CACHE_CONTROL = "private, no-cache";

/** A strong validator of one answer for one caller: SHA-256 of the principal and the exact body bytes. */
export function queryEtag(principal: Pick<Principal, "kind" | "id">, body: string | Buffer): string {
  return `"${createHash("sha256").update(`${principal.kind}:${principal.id}\0`).update(body).digest("base64url")}"`;
}

/** Whether an If-None-Match header matches `etag` (weak comparison, as RFC 9110 prescribes for this header). */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, "");
  return header.split(",").some((tag) => tag.trim() === "*" || opaque(tag) === etag);
}

function operationNameOf(req: Request): unknown {
  if (req.method === "GET") return new URLSearchParams(req.url.includes("?") ? req.url.slice(req.url.indexOf("?") + 1) : "").get("operationName") ?? undefined;
  return (req.body as { operationName?: unknown } | undefined)?.operationName;
}

/**
 * Validators on the answers to queries: a strong `ETag` (the hash of the caller and the body, so two
 * callers never share one), `Cache-Control: private, no-cache` and `Vary` on the credential headers.
 * A GET whose `If-None-Match` names the current ETag gets 304 without a body: the query still runs
 * (the gateway cannot know otherwise whether the answer changed), but a client re-polling an unchanged
 * list receives a few hundred bytes of headers. POSTs get the validators and never 304 (a conditional
 * POST is a precondition, not a cache revalidation). Mutations and errors other than 200 are untouched.
 * Mount after `querySizeLimit` (it reads its scan of the text) and before Apollo.
 */
export function queryEtags(): RequestHandler {
  return (req, res, next) => {
    if (req.method !== "GET" && req.method !== "POST") return next();
    const scan = queryScanOf(res);
    if (!scan || selectedOperation(scan, operationNameOf(req))?.operation !== "query") return next();
    const principal = res.locals.principal as Principal;
    const send = res.send.bind(res);
    res.send = ((body?: unknown) => {
      if (res.statusCode !== 200 || (typeof body !== "string" && !Buffer.isBuffer(body))) return send(body);
      const etag = queryEtag(principal, body);
      res.setHeader("ETag", etag);
      res.setHeader("Cache-Control", QUERY_CACHE_CONTROL);
      res.vary("Authorization");
      res.vary("X-API-Key");
      if (req.method === "GET" && matchesIfNoneMatch(req.header("if-none-match"), etag)) {
        res.removeHeader("Content-Type");
        res.removeHeader("Content-Length");
        res.status(304).end();
        return res;
      }
      return send(body);
    }) as typeof res.send;
    next();
  };
}
