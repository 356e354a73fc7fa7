import { type KeyObject, randomUUID } from "node:crypto";
import { type IncomingMessage, request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { pipeline } from "node:stream/promises";
import type { RequestHandler, Response } from "express";
import { verifyFileLink } from "../../subgraphs/kit/file-links.js";
import { IDENTITY_HEADER, signIdentity } from "../../subgraphs/kit/identity.js";
import type { Logger } from "../../subgraphs/kit/logger.js";
import { hasScope, type Principal } from "../../subgraphs/kit/principal.js";
import { READ_SCOPE } from "../../subgraphs/kit/read-scope.js";
import { identityAudience } from "../../subgraphs/kit/topology.js";

export interface FileDownloadOptions {
  /** The attachments subgraph's `/graphql`; its byte stream is `/files/<id>` on the same origin. */
  attachmentsUrl: string;
  /** Checks download links (`Attachment.downloadUrl`, signed by the attachments subgraph). */
  fileLinkSecret: string;
  /** Signs the identity forwarded to the attachments subgraph. */
  identityPrivateKey: KeyObject;
  logger: Logger;
  /** Unix seconds (tests move time to expire links). */
  now?: () => number;
}

/** Headers of the subgraph's answer that the client gets as they are. */
const RELAYED_HEADERS = ["content-type", "content-length", "content-range", "accept-ranges", "content-disposition", "etag"];

function refuse(res: Response, status: number, message: string, code: string): void {
  if (!res.headersSent) res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

/**
 * `GET /files/<id>?expires=...&signature=...`: the downloads behind `Attachment.downloadUrl`.
 * `checkLink` refuses a tampered or expired link with 403 before anything else; then the caller
 * must authenticate like any other request (a link alone is a bearer credential that leaks through
 * history, logs and chat, so it never grants access on its own) and hold the `cases:read` scope
 * (403 FORBIDDEN otherwise, before the subgraph is called); `stream` relays the bytes from
 * the attachments subgraph, which checks that the caller may see the file (403 otherwise), with
 * Range support, as a download that browsers never render.
 */
export function fileDownloads(options: FileDownloadOptions): { checkLink: RequestHandler; stream: RequestHandler } {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const subgraphOrigin = new URL(options.attachmentsUrl);

  const checkLink: RequestHandler = (req, res, next) => {
    const id = String(req.params.id);
    const { expires, signature } = req.query;
    if (!verifyFileLink(options.fileLinkSecret, id, typeof expires === "string" ? expires : undefined, typeof signature === "string" ? signature : undefined, now())) {
      return refuse(res, 403, "This download link is invalid or has expired", "FORBIDDEN");
    }
    next();
  };

  const stream: RequestHandler = async (req, res) => {
    const principal = res.locals.principal as Principal;
    if (!hasScope(principal, READ_SCOPE)) return refuse(res, 403, `Downloading a file needs the ${READ_SCOPE} scope`, "FORBIDDEN");
    const requestId = randomUUID();
    const url = new URL(`/files/${encodeURIComponent(String(req.params.id))}`, subgraphOrigin);
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const headers: Record<string, string> = { [IDENTITY_HEADER]: signIdentity(principal, identityAudience("attachments"), options.identityPrivateKey), "x-request-id": requestId };
    const range = req.header("range");
    if (range) headers.range = range;
    const upstream = send(url, { method: req.method === "HEAD" ? "HEAD" : "GET", headers });
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.on("error", (error) => {
      options.logger.error({ err: error, requestId }, "file download failed");
      if (res.headersSent) res.destroy();
      else refuse(res, 502, "The file could not be read; try again", "INTERNAL_SERVER_ERROR");
    });
    upstream.on("response", (answer: IncomingMessage) => {
      const status = answer.statusCode ?? 502;
      if (status === 403 || status === 404) {
        answer.resume();
        return status === 403 ? refuse(res, 403, "You may not download this file", "FORBIDDEN") : refuse(res, 404, "This file no longer exists", "NOT_FOUND");
      }
      if (status !== 200 && status !== 206 && status !== 416) {
        answer.resume();
        options.logger.error({ status, requestId }, "file download: unexpected answer from the attachments subgraph");
        return refuse(res, 502, "The file could not be read; try again", "INTERNAL_SERVER_ERROR");
      }
      res.status(status);
      for (const name of RELAYED_HEADERS) {
        const value = answer.headers[name];
        if (value !== undefined) res.setHeader(name, value);
      }
      res.setHeader("X-Content-Type-Options", "nosniff");
      res.setHeader("Cache-Control", "private, no-store");
      res.setHeader("Content-Security-Policy", "default-src 'none'; sandbox");
      pipeline(answer, res).catch(() => upstream.destroy());
    });
    upstream.end();
  };

  return { checkLink, stream };
}
