import { type KeyObject, randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { type Readable, Transform } from "node:stream";
import { FileStore } from "@tus/file-store";
import { S3Store } from "@tus/s3-store";
import { Metadata, Server } from "@tus/server";
import type { Request, RequestHandler, Response } from "express";
import { In, LessThanOrEqual, type DataSource } from "typeorm";
import { ErrorCode } from "../../subgraphs/kit/errors.js";
import { signIdentity } from "../../subgraphs/kit/identity.js";
import type { Logger } from "../../subgraphs/kit/logger.js";
import type { Principal } from "../../subgraphs/kit/principal.js";
import { identityAudience } from "../../subgraphs/kit/topology.js";
import type { ResumableUploadsConfig } from "./tus-config.js";
import { type ForwardResult, forwardFinishedFile } from "./tus-forward.js";
import { TailReader } from "./tus-tail.js";
import { ResumableUpload } from "./tus-upload.entity.js";

/** Where the gateway serves tus: `POST /uploads/tus` creates, `HEAD`/`PATCH`/`DELETE /uploads/tus/<id>` inspect, resume and end. */
export const TUS_PATH = "/uploads/tus";
/** The response header that names the STAGED attachment a finished upload became (final PATCH, and HEAD afterwards). */
export const ATTACHMENT_ID_HEADER = "Attachment-Id";

const UPLOAD_ID = /^[0-9a-f]{32}$/;
const MIME_TYPE = /^[A-Za-z0-9][\w!#$&^.+-]{0,63}\/[A-Za-z0-9][\w!#$&^.+-]{0,62}$/;
const RECORD_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

export interface ResumableUploadsOptions {
  config: ResumableUploadsConfig;
  dataSource: DataSource;
  /** The attachments subgraph's `/graphql`, which a finished file is handed to. */
  attachmentsUrl: string;
  identityPrivateKey: KeyObject;
  logger: Logger;
  clock?: () => Date;
}

export interface ResumableUploads {
  /** Mount at TUS_PATH after authentication and the per-caller rate limit. */
  handler: RequestHandler;
  /** Removes uploads abandoned past their expiry (bytes and rows); returns how many. `now` lets tests move the clock. */
  sweep(now?: Date): Promise<number>;
  /** The tus store (tests look at what it holds). */
  store: FileStore | S3Store;
  stop(): Promise<void>;
}

/** What a tus hook needs about the request it serves (the hooks see a web Request; this maps its Node request back). */
interface RequestState {
  principal: Principal;
  res: Response;
  upload?: ResumableUpload;
  newId?: string;
}

function ownerOf(principal: Principal): string {
  return `${principal.kind}:${principal.id}`;
}

function refuse(res: Response, status: number, code: string, message: string, extensions: Record<string, unknown> = {}): void {
  if (res.headersSent) return;
  res.setHeader("Tus-Resumable", "1.0.0");
  res.status(status).json({ errors: [{ message, extensions: { code, ...extensions } }] });
}

function createStore(config: ResumableUploadsConfig): FileStore | S3Store {
  if (config.store === "s3") {
    const s3 = config.s3!;
    return new S3Store({
      partSize: 8 * 1024 * 1024,
      s3ClientConfig: {
        bucket: s3.bucket,
        region: s3.region,
        endpoint: s3.endpoint,
        forcePathStyle: s3.endpoint !== undefined,
        credentials: s3.accessKeyId && s3.secretAccessKey ? { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } : undefined,
        // Plain requests every S3-compatible server accepts, as the attachments blob store sends them.
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
      },
    });
  }
  return new FileStore({ directory: config.dir });
}

/** How long a live hand-over waits for the client's next bytes before it lets go (the next PATCH starts another). */
const LIVE_IDLE_MS = 20_000;

interface LiveHandOver {
  reader: TailReader;
  result: Promise<ForwardResult>;
  /** Done once a success is recorded (or a retryable failure forgotten). */
  settled: Promise<void>;
}

/** A failure another attempt may not meet (the subgraph was busy or unreachable): 5xx. */
function isRetryable(result: ForwardResult): boolean {
  return !("attachment" in result) && result.status >= 500;
}

/** An error the tus server answers with this status and body (it reads `status_code` and `body`). */
function tusError(status: number, body: string): Error {
  return Object.assign(new Error(body), { status_code: status, body });
}

/** The Node request behind a tus hook's web Request (srvx keeps it). */
function nodeRequestOf(req: unknown): IncomingMessage | undefined {
  return (req as { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req;
}

/**
 * Resumable uploads: the tus 1.0 protocol (core, creation, termination) at `/uploads/tus`, for clients on
 * unreliable links. The bytes go to a tus store at the gateway (disk or S3); when the last byte arrives the
 * gateway hands the file to the attachments subgraph as the uploader, through the same `uploadAttachments`
 * multipart mutation as the multipart path, so that the same size, quota and ZIP rules decide and the
 * result is the same STAGED attachment, named by the `Attachment-Id` header of the final PATCH (and of any
 * HEAD afterwards). Every request is authenticated as on `/graphql`; an upload belongs to the caller that
 * created it, and any other caller is told it does not exist. Bytes are never served back (no GET).
 */
export function createResumableUploads(options: ResumableUploadsOptions): ResumableUploads {
  const { config, dataSource, logger } = options;
  const clock = options.clock ?? (() => new Date());
  const rows = dataSource.getRepository(ResumableUpload);
  const store = createStore(config);
  const states = new WeakMap<IncomingMessage, RequestState>();
  /** PATCHes writing on the disk store, by upload id. */
  const writing = new Map<string, { req: Request; done: Promise<void> }>();
  /** Hand-overs running while their upload arrives (disk store only), by upload id. */
  const live = new Map<string, LiveHandOver>();
  /** Creations per caller run one at a time in this process, so that two parallel POSTs cannot both pass the quota. */
  const creating = new Map<string, Promise<unknown>>();

  const tus = new Server({
    path: TUS_PATH,
    datastore: store,
    maxSize: config.maxFileBytes,
    // Same-origin only, as /graphql: no CORS headers for other origins.
    allowedOrigins: () => false,
    // `Location: /uploads/tus/<id>`, resolved by clients against the URL they created the upload at: right behind any proxy.
    relativeLocation: true,
    namingFunction: (req) => {
      const id = states.get(nodeRequestOf(req)!)?.newId;
      if (!id) throw new Error("a tus upload was created without going through the gateway's checks");
      return id;
    },
    onUploadFinish: async (req) => finish(states.get(nodeRequestOf(req)!)!),
  });

  /** One hand-over to the attachments subgraph; a transport failure becomes a retryable 502. */
  async function handOver(row: ResumableUpload, principal: Principal, body: Readable): Promise<ForwardResult> {
    const requestId = randomUUID();
    try {
      return await forwardFinishedFile({
        attachmentsUrl: options.attachmentsUrl,
        identityToken: signIdentity(principal, identityAudience("attachments"), options.identityPrivateKey),
        requestId,
        target: { caseId: row.caseId, organizationId: row.organizationId },
        file: { fileName: row.fileName, contentType: row.contentType, size: row.size, body },
      });
    } catch (error) {
      body.destroy();
      logger.warn({ err: error, requestId, uploadId: row.id }, "resumable upload hand-over failed");
      return { status: 502, errors: [{ message: "The attachments service did not answer; nothing was stored. Upload the file again.", extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } }] };
    }
  }

  /** The upload became a STAGED attachment: remember it (HEAD answers it from now on) and drop the gateway's copy. */
  async function staged(row: ResumableUpload, attachmentId: string): Promise<void> {
    await rows.update({ id: row.id, state: In(["receiving", "forwarding"]) }, { state: "done", attachmentId });
    await store.remove(row.id).catch(() => undefined);
    logger.info({ event: "resumable_upload_staged", uploadId: row.id, attachmentId, size: row.size, principal: row.principal }, "resumable upload staged");
  }

  /**
   * On the disk store, the hand-over starts with the first PATCH and reads the file as it grows (TailReader),
   * so that the attachments subgraph hashes and stores the bytes while they arrive: the last byte is followed
   * by the subgraph's answer rather than by a second copy of the whole file. A hand-over that stops (the
   * client went quiet, the subgraph was busy) is forgotten, and the next PATCH, or the last byte, starts another.
   */
  function followLive(row: ResumableUpload, principal: Principal): void {
    if (config.store !== "local" || live.has(row.id)) return;
    const reader = new TailReader(join(config.dir, row.id), row.size, { idleMs: LIVE_IDLE_MS });
    const result = handOver(row, principal, reader);
    const entry: LiveHandOver = {
      reader,
      result,
      settled: result.then(async (outcome) => {
        if ("attachment" in outcome) return staged(row, outcome.attachment.id);
        if (isRetryable(outcome) && live.get(row.id) === entry) live.delete(row.id);
      }),
    };
    live.set(row.id, entry);
  }

  /** The last byte arrived: the live hand-over's answer, or one from the stored file; on failure the upload is forgotten, bytes included. */
  async function finish(state: RequestState): Promise<{ headers: Record<string, string> }> {
    const row = state.upload!;
    const claimed = await rows.update({ id: row.id, state: "receiving" }, { state: "forwarding" });
    if (!claimed.affected) {
      const current = await rows.findOneBy({ id: row.id });
      if (current?.state === "done" && current.attachmentId) return { headers: { [ATTACHMENT_ID_HEADER]: current.attachmentId } };
      throw tusError(423, "The upload is being handed over; ask again with HEAD\n");
    }
    const entry = live.get(row.id);
    live.delete(row.id);
    let result = entry ? await entry.result : undefined;
    // Staged already (by the live hand-over, which also dropped the gateway's copy).
    await entry?.settled;
    if (result && "attachment" in result) return { headers: { [ATTACHMENT_ID_HEADER]: result.attachment.id } };
    if (!result || isRetryable(result)) result = await handOver(row, state.principal, await store.read(row.id));
    if ("attachment" in result) {
      await staged(row, result.attachment.id);
      return { headers: { [ATTACHMENT_ID_HEADER]: result.attachment.id } };
    }
    await store.remove(row.id).catch(() => undefined);
    await rows.delete({ id: row.id });
    state.res.setHeader("Content-Type", "application/json; charset=utf-8");
    throw tusError(result.status, JSON.stringify({ errors: result.errors }));
  }

  /** POST: the checks of the multipart path that can be made before any byte arrives, then a row that names the owner. */
  async function create(req: Request, res: Response, principal: Principal): Promise<void> {
    if (!principal.scopes.includes("attachments:write")) return refuse(res, 403, ErrorCode.FORBIDDEN, "Uploading files needs the attachments:write scope");
    if (req.header("upload-defer-length") !== undefined || req.header("upload-concat") !== undefined) {
      return refuse(res, 400, "BAD_REQUEST", "Give the file's size in Upload-Length when creating the upload (deferred lengths and concatenation are not supported)");
    }
    const length = req.header("upload-length") ?? "";
    if (!/^\d{1,15}$/.test(length)) return refuse(res, 400, "BAD_REQUEST", "Upload-Length must give the file's size in bytes");
    const size = Number(length);
    if (size > config.maxFileBytes) return refuse(res, 413, ErrorCode.FILE_TOO_LARGE, `A file may have at most ${config.maxFileBytes} bytes`, { max: config.maxFileBytes });
    let metadata: Record<string, string | null>;
    try {
      metadata = Metadata.parse(req.header("upload-metadata") ?? "");
    } catch {
      return refuse(res, 400, "BAD_REQUEST", "Upload-Metadata must carry filename and caseId (or organizationId), each base64-encoded");
    }
    const fileName = metadata.filename ?? metadata.name ?? "";
    if (!fileName || fileName.length > 255 || /[\u0000-\u001f\u007f]/.test(fileName))
      return refuse(res, 400, ErrorCode.BAD_USER_INPUT, "The filename metadata must be 1 to 255 printable characters", { field: "filename" });
    const { caseId = null, organizationId = null } = metadata;
    if (caseId && organizationId) return refuse(res, 400, ErrorCode.BAD_USER_INPUT, "Give caseId or organizationId, not both", { field: "organizationId" });
    if (!caseId && !organizationId) return refuse(res, 400, ErrorCode.BAD_USER_INPUT, "caseId is required (or organizationId for a case that is not registered yet)", { field: "caseId" });
    if (!RECORD_ID.test(caseId ?? organizationId ?? "")) return refuse(res, 400, ErrorCode.BAD_USER_INPUT, "caseId and organizationId are ids of at most 64 characters", { field: caseId ? "caseId" : "organizationId" });
    const type = metadata.filetype ?? metadata.type ?? "";
    const owner = ownerOf(principal);

    const previous = creating.get(owner) ?? Promise.resolve();
    const turn = previous
      .catch(() => undefined)
      .then(async () => {
        const now = clock();
        const held = await rows
          .createQueryBuilder("u")
          .select("COUNT(*)", "uploads")
          .addSelect("COALESCE(SUM(u.size), 0)", "bytes")
          .where("u.principal = :owner AND u.state IN (:...states) AND u.expires_at > :now", { owner, states: ["receiving", "forwarding"], now })
          .getRawOne<{ uploads: string | number; bytes: string | number }>();
        const uploads = Number(held?.uploads ?? 0);
        const bytes = Number(held?.bytes ?? 0);
        if (uploads + 1 > config.maxUploadsPerPrincipal)
          return { refusal: [429, ErrorCode.TOO_MANY_UPLOADS, `At most ${config.maxUploadsPerPrincipal} unfinished uploads per caller: finish or delete one first`, { max: config.maxUploadsPerPrincipal }] as const };
        if (bytes + size > config.maxBytesPerPrincipal)
          return {
            refusal: [413, ErrorCode.QUOTA_EXCEEDED, `Unfinished uploads of one caller may declare at most ${config.maxBytesPerPrincipal} bytes together`, { max: config.maxBytesPerPrincipal, held: bytes }] as const,
          };
        const row = Object.assign(new ResumableUpload(), {
          id: randomBytes(16).toString("hex"),
          principal: owner,
          size,
          fileName,
          contentType: MIME_TYPE.test(type) ? type : "application/octet-stream",
          caseId,
          organizationId,
          state: "receiving" as const,
          attachmentId: null,
          createdAt: now,
          expiresAt: new Date(now.getTime() + config.expirySeconds * 1000),
        });
        await rows.insert(row);
        return { row };
      });
    creating.set(owner, turn);
    const decided = await turn.finally(() => {
      if (creating.get(owner) === turn) creating.delete(owner);
    });
    if ("refusal" in decided) {
      const [status, code, message, extensions] = decided.refusal!;
      return refuse(res, status, code, message, extensions);
    }
    const row = decided.row;
    states.set(req, { principal, res, upload: row, newId: row.id });
    res.setHeader("Upload-Expires", row.expiresAt.toUTCString());
    // A creation the store did not complete leaves a row without bytes: forget it now (the sweep would, later).
    res.once("finish", () => {
      if (res.statusCode >= 300) void rows.delete({ id: row.id, state: "receiving" }).catch(() => undefined);
    });
    await tus.handle(req, res as ServerResponse);
  }

  const handler: RequestHandler = async (req, res, next) => {
    try {
      if (req.method === "OPTIONS") return void (await tus.handle(req, res));
      if (req.method === "GET") {
        res.setHeader("Allow", "POST, HEAD, PATCH, DELETE, OPTIONS");
        return refuse(res, 405, "BAD_REQUEST", "Uploads are not served back; download a file through its attachment's downloadUrl");
      }
      const principal = res.locals.principal as Principal;
      const id = req.path.replace(/^\/+|\/+$/g, "");
      if (req.method === "POST" && id === "") return await create(req, res, principal);
      if (!["HEAD", "PATCH", "DELETE"].includes(req.method) || !UPLOAD_ID.test(id)) return refuse(res, 404, ErrorCode.NOT_FOUND, "No such upload");
      const row = await rows.findOneBy({ id });
      if (!row || row.principal !== ownerOf(principal)) {
        if (row) logger.warn({ event: "resumable_upload_foreign", uploadId: id, principal: ownerOf(principal), method: req.method }, "a caller asked for another caller's upload");
        return refuse(res, 404, ErrorCode.NOT_FOUND, "No such upload");
      }
      if (row.expiresAt <= clock()) return refuse(res, 410, ErrorCode.NOT_FOUND, "The upload expired unfinished; start a new one");
      if (row.state === "done") return answerDone(req, res, row);
      if (row.state === "forwarding") return refuse(res, 423, ErrorCode.SERVICE_UNAVAILABLE, "The upload is being handed over to the attachments service; ask again with HEAD");
      states.set(req, { principal, res, upload: row });
      if (req.method === "HEAD") res.setHeader("Upload-Expires", row.expiresAt.toUTCString());
      if (req.method === "PATCH") {
        watchRate(req, config, logger, id);
        followLive(row, principal);
        if (config.store === "local") return await patchLocal(req, res, states.get(req)!);
      }
      if (req.method === "DELETE") {
        stopLive(id);
        res.once("finish", () => res.statusCode === 204 && void rows.delete({ id }).catch(() => undefined));
      }
      await tus.handle(req, res as ServerResponse);
    } catch (error) {
      next(error);
    }
  };

  /**
   * PATCH on the disk store, without the tus server's web-stream plumbing (which cost more CPU per byte than
   * the rest of the path): the tus core rules (Tus-Resumable, the offset+octet-stream type, Upload-Offset
   * equal to the bytes held, never past Upload-Length) and the body appended to the upload's file with large
   * buffers. What arrived before a cut is kept. A newer PATCH of the same upload (a client that lost the
   * older one and resumed) ends the older first.
   */
  async function patchLocal(req: Request, res: Response, state: RequestState): Promise<void> {
    const row = state.upload!;
    const tusHeaders = { "Tus-Resumable": "1.0.0", "Upload-Expires": row.expiresAt.toUTCString() };
    if (!req.header("tus-resumable")) return void res.status(412).set(tusHeaders).type("text/plain").send("Tus-Resumable Required\n");
    if ((req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase() !== "application/offset+octet-stream")
      return refuse(res, 415, "BAD_REQUEST", "A PATCH carries Content-Type: application/offset+octet-stream");
    const offsetHeader = req.header("upload-offset") ?? "";
    if (!/^\d{1,15}$/.test(offsetHeader)) return refuse(res, 400, "BAD_REQUEST", "A PATCH carries the Upload-Offset it continues from");
    const previous = writing.get(row.id);
    if (previous) {
      previous.req.destroy();
      await previous.done;
    }
    let release = () => undefined as void;
    const mine = { req, done: new Promise<void>((resolve) => (release = resolve)) };
    writing.set(row.id, mine);
    try {
      const path = join(config.dir, row.id);
      const held = await stat(path).then(
        (s) => s.size,
        () => null,
      );
      if (held === null) return refuse(res, 404, ErrorCode.NOT_FOUND, "No such upload");
      if (Number(offsetHeader) !== held) {
        req.resume();
        return void res
          .status(409)
          .set({ ...tusHeaders, "Upload-Offset": String(held) })
          .type("text/plain")
          .send("Upload-Offset conflict\n");
      }
      const remaining = row.size - held;
      if (Number(req.header("content-length") ?? 0) > remaining) return refuse(res, 413, ErrorCode.FILE_TOO_LARGE, `This upload takes ${remaining} more bytes`);
      const tooLarge = await appendBody(req, path, held, remaining);
      const offset = (await stat(path)).size;
      if (tooLarge) return refuse(res, 413, ErrorCode.FILE_TOO_LARGE, `This upload takes ${remaining} more bytes`);
      if (offset < row.size)
        return void res
          .status(204)
          .set({ ...tusHeaders, "Upload-Offset": String(offset) })
          .end();
      try {
        const { headers } = await finish(state);
        res
          .status(204)
          .set({ "Tus-Resumable": "1.0.0", "Upload-Offset": String(offset), ...headers })
          .end();
      } catch (error) {
        const { status_code: status = 500, body = "" } = error as { status_code?: number; body?: string };
        res.status(status).set({ "Tus-Resumable": "1.0.0" }).send(body);
      }
    } finally {
      if (writing.get(row.id) === mine) writing.delete(row.id);
      release();
    }
  }

  /** A finished upload: its attachment id; the bytes are the attachments subgraph's now. */
  function answerDone(req: Request, res: Response, row: ResumableUpload): void {
    const headers = { "Tus-Resumable": "1.0.0", "Upload-Offset": String(row.size), "Upload-Length": String(row.size), [ATTACHMENT_ID_HEADER]: row.attachmentId!, "Cache-Control": "no-store" };
    if (req.method === "HEAD") return void res.status(200).set(headers).end();
    if (req.method === "DELETE") {
      void rows.delete({ id: row.id });
      return void res.status(204).set({ "Tus-Resumable": "1.0.0" }).end();
    }
    req.resume();
    if (req.header("upload-offset") === String(row.size)) return void res.status(204).set(headers).end();
    res
      .status(409)
      .set({ "Tus-Resumable": "1.0.0", "Upload-Offset": String(row.size) })
      .end();
  }

  async function sweep(now = clock()): Promise<number> {
    const expired = await rows.find({ where: { expiresAt: LessThanOrEqual(now) }, take: 500 });
    for (const row of expired) {
      stopLive(row.id);
      if (row.state !== "done") await store.remove(row.id).catch(() => undefined);
      await rows.delete({ id: row.id, state: In([row.state]) });
    }
    if (expired.length) logger.info({ event: "resumable_uploads_swept", uploads: expired.length }, "abandoned resumable uploads swept");
    return expired.length;
  }

  /** Aborts a live hand-over (the upload was ended or swept): the subgraph stores nothing of it. */
  function stopLive(id: string): void {
    live.get(id)?.reader.destroy();
    live.delete(id);
  }

  let timer: NodeJS.Timeout | undefined;
  if (config.sweepIntervalSeconds > 0) {
    timer = setInterval(() => void sweep().catch((error: unknown) => logger.error({ err: error }, "resumable upload sweep failed")), config.sweepIntervalSeconds * 1000);
    timer.unref();
  }
  return {
    handler,
    sweep,
    store,
    async stop() {
      if (timer) clearInterval(timer);
      for (const id of [...live.keys()]) stopLive(id);
    },
  };
}

/**
 * Appends a PATCH body to the upload's file from `start`, at most `limit` bytes, with 1 MiB buffers. Resolves
 * once everything that arrived is on disk: also when the client went away mid-way (those bytes are kept).
 * True when the body went past `limit` (the bytes up to it are kept).
 */
function appendBody(req: Request, path: string, start: number, limit: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(path, { flags: "r+", start, highWaterMark: 1 << 20 });
    let received = 0;
    let tooLarge = false;
    let stopped = false;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      req.unpipe(limiter);
      limiter.end();
    };
    const limiter = new Transform({
      highWaterMark: 1 << 20,
      transform(chunk: Buffer, _encoding, callback) {
        if (tooLarge) return callback();
        received += chunk.length;
        if (received <= limit) return callback(null, chunk);
        tooLarge = true;
        callback(null, chunk.subarray(0, chunk.length - (received - limit)));
        setImmediate(() => {
          stop();
          req.resume();
        });
      },
    });
    out.once("error", reject);
    out.once("close", () => resolve(tooLarge));
    req.once("close", () => {
      if (!req.complete) stop();
    });
    req.pipe(limiter).pipe(out);
  });
}

/**
 * Ends a PATCH whose bytes trickle in slower than the configured rate (a client holding a connection and a
 * store write open): the connection is closed, what arrived is kept, and the client resumes from there.
 */
function watchRate(req: IncomingMessage, config: ResumableUploadsConfig, logger: Logger, uploadId: string): void {
  const { minBytesPerSecond, rateWindowSeconds } = config;
  if (minBytesPerSecond <= 0 || rateWindowSeconds <= 0) return;
  const minBytes = minBytesPerSecond * rateWindowSeconds;
  // Counted on the socket, not with a 'data' listener: that would start the body flowing before the tus server reads it.
  const socket = req.socket;
  let last = socket.bytesRead;
  let heldBack = false;
  const timer = setInterval(() => {
    const received = socket.bytesRead - last;
    last = socket.bytesRead;
    // A window in which the gateway stopped reading (its store was slower than the client) does not count against the client.
    const slow = !heldBack && !req.isPaused() && received < minBytes;
    heldBack = req.isPaused();
    if (!slow) return;
    clearInterval(timer);
    logger.warn({ event: "upload_too_slow", uploadId, minBytesPerSecond }, "resumable upload connection closed: the client sends too slowly");
    socket.destroy();
  }, rateWindowSeconds * 1000);
  const stop = () => clearInterval(timer);
  req.once("end", stop);
  req.once("close", stop);
}
