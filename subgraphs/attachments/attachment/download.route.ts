import type { RequestHandler } from "express";
import { pipeline } from "node:stream/promises";
import { hasScope } from "../../kit/principal.js";
import { READ_SCOPE } from "../../kit/read-scope.js";
import { principalOf } from "../../kit/subgraph-server.js";
import type { ByteRange } from "../blob-store/blob-store.js";
import type { AttachmentsServices } from "../attachments.services.js";
import { AttachmentEntity } from "./attachment.entity.js";
import { canSeeAttachment } from "./attachment.visibility.js";

/** The case of the file asked for, for the gateway's download audit line; the gateway never relays it to the client. */
export const CASE_ID_HEADER = "x-casegraph-case-id";

/** `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<RFC 5987>`: the original name, never a header injection. */
export function contentDisposition(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/**
 * One `bytes=` range (RFC 9110 14.1.2): `start-end`, `start-`, `-suffix`. Returns null for no or an
 * unsupported (multi-range) header, which means "send everything", and "unsatisfiable" for 416.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | null | "unsatisfiable" {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, first, last] = match;
  if (first === "" && last === "") return null;
  let start: number;
  let end: number;
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0) return "unsatisfiable";
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(first);
    end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
    if (last !== "" && Number(last) < start) return null;
  }
  if (start >= size || size === 0) return "unsatisfiable";
  return { start, end };
}

/**
 * `GET /files/:id` behind the identity header: the gateway calls it after checking the signed link,
 * with an identity for the principal the link was minted for. Streams the bytes (or one range) as a
 * download that browsers never render. Downloading is a read: without `cases:read` it is 403. A file
 * the principal may not see (`canSeeAttachment`: another organization's, someone else's STAGED file,
 * a RESERVED one) is 404, as if it did not exist.
 */
export function downloadRoute(services: AttachmentsServices): RequestHandler {
  return async (req, res) => {
    const principal = principalOf(res);
    if (!hasScope(principal, READ_SCOPE)) return void res.status(403).json({ error: `the ${READ_SCOPE} scope is required` });
    const id = String(req.params.id);
    const row = await services.dataSource.getRepository(AttachmentEntity).findOneBy({ id });
    if (row?.caseId) res.setHeader(CASE_ID_HEADER, row.caseId);
    if (!row || !canSeeAttachment(principal, row)) return void res.status(404).json({ error: "no such file" });
    const range = parseRange(req.header("range"), row.size);
    res.setHeader("Accept-Ranges", "bytes");
    res.setHeader("Content-Type", "application/octet-stream");
    res.setHeader("Content-Disposition", contentDisposition(row.fileName));
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("ETag", `"${row.sha256}"`);
    if (range === "unsatisfiable") {
      res.setHeader("Content-Range", `bytes */${row.size}`);
      return void res.status(416).end();
    }
    const stream = await services.blobs.read(row.blobKey, range ?? undefined);
    if (range) {
      res.status(206);
      res.setHeader("Content-Range", `bytes ${range.start}-${range.end}/${row.size}`);
      res.setHeader("Content-Length", String(range.end - range.start + 1));
    } else {
      res.status(200);
      res.setHeader("Content-Length", String(row.size));
    }
    // A client that goes away ends the pipeline with an error: nothing to report, the stream is closed.
    await pipeline(stream, res).catch(() => undefined);
  };
}
