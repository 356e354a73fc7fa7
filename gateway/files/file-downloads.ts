import { type KeyObject, randomUUID } from "node:crypto";
import { type IncomingMessage, request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { pipeline } from "node:stream/promises";
import type { Request, RequestHandler, Response } from "express";
import type { DataSource } from "typeorm";
import { type FileLink, verifyFileLink } from "../../subgraphs/kit/file-links.js";
import { IDENTITY_HEADER, signIdentity } from "../../subgraphs/kit/identity.js";
import type { Logger } from "../../subgraphs/kit/logger.js";
import type { Principal } from "../../subgraphs/kit/principal.js";
import { READ_SCOPE } from "../../subgraphs/kit/read-scope.js";
import { ApiKey } from "../access/api-key.entity.js";
import { managedOrganizations } from "../access/partner.service.js";

export interface FileDownloadOptions {
  /** The attachments subgraph's `/graphql`; its byte stream is `/files/<id>` on the same origin. */
  attachmentsUrl: string;
  /** Checks download links (`Attachment.downloadUrl`, signed by the attachments subgraph). */
  fileLinkSecret: string;
  /** Signs the identity forwarded to the attachments subgraph. */
  identityPrivateKey: KeyObject;
  /** The gateway's database: a link minted for an API key works only while the key does. */
  dataSource: DataSource;
  logger: Logger;
  /**
   * Counts a refused link against the caller's address, like a failed authentication (the rate
   * limits' `refuseUnauthenticated`); true when it answered 429 instead.
   */
  refuseUnauthenticated?: (req: Request, res: Response) => Promise<boolean>;
  /** Unix seconds (tests move time to expire links). */
  now?: () => number;
}

/** Headers of the subgraph's answer that the client gets as they are. */
const RELAYED_HEADERS = ["content-type", "content-length", "content-range", "accept-ranges", "content-disposition", "etag"];

/** The attachments subgraph names the file's case in this header, for the audit line; it is not relayed to the client. */
const CASE_ID_HEADER = "x-casegraph-case-id";

/**
 * How a download ended, as the audit line says it: `served` (200), `partial` (206), `not_satisfiable` (416),
 * `invalid_link` (tampered or malformed), `expired_link`, `credential_refused` (the link's API key is
 * revoked, expired, gone, or no longer reads that organization), `forbidden` (the subgraph refused the
 * principal), `not_found` (no such file, or not one the link's principal may see), `rate_limited`,
 * `failed` (the subgraph could not serve it), `aborted` (the client left mid-stream).
 */
type DownloadOutcome = "served" | "partial" | "not_satisfiable" | "invalid_link" | "expired_link" | "credential_refused" | "forbidden" | "not_found" | "rate_limited" | "failed" | "aborted";

/** One request's download, and its one audit line. */
interface Download {
  requestId: string;
  attachmentId: string;
  link?: FileLink;
  caseId?: string;
  bytes: number;
  /** Writes the audit line, once: later calls do nothing. */
  end(outcome: DownloadOutcome): void;
}

function refuse(res: Response, status: number, message: string, code: string): void {
  if (!res.headersSent) res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

/**
 * `GET /files/<id>?principal=...&role=...&org=...&expires=...&signature=...`: the downloads behind
 * `Attachment.downloadUrl`. The link alone is the credential, like an S3 presigned URL, so that an
 * `<a href>`, an `<img>` or a download manager can use it: whatever credentials the request carries
 * are not read. `checkLink` refuses a tampered, malformed or expired link with 403 (and counts it
 * against the address's budget); a link minted for an API key works only while that key works and
 * still reads the file's organization with `cases:read` (a revoked key's links stop at once). A
 * user's link lives out its short lifetime: a bearer token cannot be revoked either, and the link
 * was minted only for a user who could see the file. `stream` relays the bytes from the attachments
 * subgraph with an identity for the link's principal that is narrowed to what a download needs:
 * the file's organization, `cases:read`, and the attachments subgraph alone as its audience (so
 * nothing else accepts it). The subgraph checks that this principal may see the file (a STAGED one
 * only its uploader) and answers 404 otherwise. Range requests are relayed; the answer is a download
 * browsers never render, never cached, and sends no Referer onward. Every request writes one audit
 * line (`file_download`): principal, file, case, outcome.
 */
export function fileDownloads(options: FileDownloadOptions): { checkLink: RequestHandler; stream: RequestHandler } {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const subgraphOrigin = new URL(options.attachmentsUrl);

  const startDownload = (req: Request, res: Response): Download => {
    let done = false;
    const download: Download = {
      requestId: randomUUID(),
      attachmentId: String(req.params.id),
      bytes: 0,
      end(outcome) {
        if (done) return;
        done = true;
        const { link } = download;
        options.logger.info(
          {
            event: "file_download",
            outcome,
            status: res.statusCode,
            principalKind: link?.principal.kind ?? null,
            principalId: link?.principal.id ?? null,
            attachmentId: download.attachmentId,
            caseId: download.caseId ?? null,
            organizationId: link?.organizationId ?? null,
            bytes: download.bytes,
            requestId: download.requestId,
            method: req.method,
            ip: req.ip,
          },
          "file download",
        );
      },
    };
    // Whatever ends the request without an outcome of its own (the rate limits' 429, a client gone early) is audited too.
    res.on("close", () => download.end(res.statusCode === 429 ? "rate_limited" : res.writableFinished ? "failed" : "aborted"));
    return download;
  };

  const checkLink: RequestHandler = async (req, res, next) => {
    // On every answer, refusals included: the link in the URL must not leak onward, and nothing of it is cached.
    res.setHeader("Referrer-Policy", "no-referrer");
    res.setHeader("Cache-Control", "private, no-store");
    res.setHeader("X-Content-Type-Options", "nosniff");
    const download = startDownload(req, res);
    res.locals.download = download;
    try {
      const checked = verifyFileLink(options.fileLinkSecret, download.attachmentId, req.query, now());
      if (!checked.ok) {
        const outcome = checked.reason === "expired" ? "expired_link" : "invalid_link";
        if (await options.refuseUnauthenticated?.(req, res)) return download.end("rate_limited");
        refuse(res, 403, "This download link is invalid or has expired; read downloadUrl again for a fresh one", "FORBIDDEN");
        return download.end(outcome);
      }
      download.link = checked.link;
      const principal = await downloadPrincipal(options.dataSource, checked.link, now());
      if (!principal) {
        refuse(res, 403, "The credential this download link was made for no longer works", "FORBIDDEN");
        return download.end("credential_refused");
      }
      // The per-principal budget of the rate limits that follow applies to the link's principal.
      res.locals.principal = principal;
      next();
    } catch (error) {
      next(error);
    }
  };

  const stream: RequestHandler = (req, res) => {
    const download = res.locals.download as Download;
    const principal = res.locals.principal as Principal;
    const url = new URL(`/files/${encodeURIComponent(download.attachmentId)}`, subgraphOrigin);
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    // Audience: the attachments subgraph alone. It never calls on with this identity, and no other service accepts it.
    const headers: Record<string, string> = { [IDENTITY_HEADER]: signIdentity(principal, ["attachments"], options.identityPrivateKey), "x-request-id": download.requestId };
    const range = req.header("range");
    if (range) headers.range = range;
    const upstream = send(url, { method: req.method === "HEAD" ? "HEAD" : "GET", headers });
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.on("error", (error) => {
      options.logger.error({ err: error, requestId: download.requestId }, "file download failed");
      if (res.headersSent) return void res.destroy();
      // The attachments subgraph could not be reached: a failure of the moment, which the client retries.
      refuse(res, 502, "The file could not be read; try again", "SERVICE_UNAVAILABLE");
      download.end("failed");
    });
    upstream.on("response", (answer: IncomingMessage) => {
      const status = answer.statusCode ?? 502;
      const caseId = answer.headers[CASE_ID_HEADER];
      if (typeof caseId === "string") download.caseId = caseId;
      if (status === 403 || status === 404) {
        answer.resume();
        if (status === 403) refuse(res, 403, "You may not download this file", "FORBIDDEN");
        else refuse(res, 404, "This file does not exist, or is not one you may download", "NOT_FOUND");
        return download.end(status === 403 ? "forbidden" : "not_found");
      }
      if (status !== 200 && status !== 206 && status !== 416) {
        answer.resume();
        options.logger.error({ status, requestId: download.requestId }, "file download: unexpected answer from the attachments subgraph");
        refuse(res, 502, "The file could not be read; try again", status >= 502 && status <= 504 ? "SERVICE_UNAVAILABLE" : "INTERNAL_SERVER_ERROR");
        return download.end("failed");
      }
      res.status(status);
      for (const name of RELAYED_HEADERS) {
        const value = answer.headers[name];
        if (value !== undefined) res.setHeader(name, value);
      }
      res.setHeader("Content-Security-Policy", "default-src 'none'; sandbox");
      answer.on("data", (chunk: Buffer) => (download.bytes += chunk.length));
      res.on("finish", () => download.end(status === 200 ? "served" : status === 206 ? "partial" : "not_satisfiable"));
      pipeline(answer, res).catch(() => upstream.destroy());
    });
    upstream.end();
  };

  return { checkLink, stream };
}

/**
 * The identity a link downloads with, or null when its credential no longer works. An API key is
 * read again (revoked, expired or deleted: refused; its organizations and scopes as they are now);
 * a user's link carries what the gateway knew when it was minted. Either way narrowed to the file's
 * organization and `cases:read`.
 */
async function downloadPrincipal(dataSource: DataSource, link: FileLink, nowSeconds: number): Promise<Principal | null> {
  const narrowed: Omit<Principal, "name"> = { kind: link.principal.kind, id: link.principal.id, role: link.principal.role, organizationIds: [link.organizationId], scopes: [READ_SCOPE] };
  if (link.principal.kind === "user") return { ...narrowed, name: `download link of user ${link.principal.id}` };
  const key = await dataSource.getRepository(ApiKey).findOneBy({ id: link.principal.id });
  if (!key || key.revokedAt || (key.expiresAt && key.expiresAt.getTime() <= nowSeconds * 1000)) return null;
  const managed = await managedOrganizations(dataSource, key.partnerId);
  const organizations = key.organizationIds ? key.organizationIds.filter((id) => managed.includes(id)) : managed;
  if (!organizations.includes(link.organizationId) || !key.scopes.includes(READ_SCOPE)) return null;
  return { ...narrowed, role: "partner", partnerId: key.partnerId, name: `download link of API key ${key.id}` };
}
