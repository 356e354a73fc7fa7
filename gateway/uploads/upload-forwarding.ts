import { type KeyObject, randomBytes, randomUUID } from "node:crypto";
import { type ClientRequest, type IncomingMessage, request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Readable } from "node:stream";
import busboy from "busboy";
import type { Request, RequestHandler, Response } from "express";
import type { GraphQLSchema } from "graphql";
import { IDEMPOTENCY_KEY_HEADER, MAX_IDEMPOTENCY_KEY_LENGTH } from "../../subgraphs/kit/idempotency-protocol.js";
import { IDENTITY_HEADER, signIdentity } from "../../subgraphs/kit/identity.js";
import type { Logger } from "../../subgraphs/kit/logger.js";
import type { Principal } from "../../subgraphs/kit/principal.js";
import { identityAudience } from "../../subgraphs/kit/topology.js";
import { UploadTrace } from "../observability/upload-trace.js";
import type { QueryLimits } from "../protection/query-limits.js";
import { checkUploadOperation, type UploadRefusal } from "./upload-operation.js";

export interface UploadForwardingOptions {
  /** The attachments subgraph's `/graphql`. */
  attachmentsUrl: string;
  /** Signs the identity forwarded to the attachments subgraph. */
  identityPrivateKey: KeyObject;
  /** The public API schema (the gateway's, once loaded): operations are validated against it. */
  apiSchema: () => GraphQLSchema | undefined;
  /** The query text limits of the JSON path, checked on the `operations` field before it is parsed. */
  queryLimits: Pick<QueryLimits, "maxTokens" | "maxLength">;
  logger: Logger;
  /** Gives up on a silent subgraph connection after this long (ms); an upload that keeps moving is never cut. */
  idleTimeoutMs?: number;
  /**
   * The slowest a client may send: fewer than `minBytesPerSecond` over any window of `rateWindowMs` (while
   * the gateway itself is not holding the client back) ends the upload with 408. Off when either is 0.
   */
  minBytesPerSecond?: number;
  rateWindowMs?: number;
  /** Told the file bytes streamed to the subgraph, as they go (the upload metric). */
  onFileBytes?: (bytes: number) => void;
  /**
   * A last say on the operation, once it passed `checkUploadOperation` and before any file is forwarded
   * (persisted-only callers may send only a published text: gateway/operations/). Null lets it through.
   */
  checkOperation?: (query: string, req: Request, res: Response) => Promise<UploadRefusal | null>;
}

const FIELD_NAME = /^[\w.-]{1,64}$/;
/** File parts per request: the largest MAX_FILES_PER_UPLOAD the attachments subgraph accepts (it refuses past its own setting). */
const MAX_FILE_PARTS = 100;
const ORDER = "A GraphQL multipart request sends 'operations', then 'map', then the files the map names, each once";
const MIME_TYPE = /^[A-Za-z0-9][\w!#$&^.+-]{0,63}\/[A-Za-z0-9][\w!#$&^.+-]{0,62}$/;
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** Apollo Server's CSRF prevention refuses multipart requests without one of these headers: a browser cannot send them cross-site without a preflight. */
function hasPreflightHeader(req: Request): boolean {
  return Boolean(req.header("apollo-require-preflight") || req.header("x-apollo-operation-name"));
}

/** A GraphQL multipart request (an upload), by its content type. */
export function isMultipart(req: Request): boolean {
  return /^multipart\/form-data/i.test(req.header("content-type") ?? "");
}

function sendError(res: Response, status: number, message: string, code: string, extensions: Record<string, unknown> = {}): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  res.status(status).json({ errors: [{ message, extensions: { code, ...extensions } }] });
}

/**
 * The file field names of a multipart request's `map` (`{ "0": ["variables.input.files.0"], ... }`), "too many"
 * past MAX_FILE_PARTS, or null when it is not such an object. The attachments subgraph checks the paths
 * against the operation; the gateway needs the names to forward only the files the operation reads.
 */
export function mapKeys(mapJson: string): Set<string> | "too many" | null {
  let map: unknown;
  try {
    map = JSON.parse(mapJson);
  } catch {
    return null;
  }
  if (typeof map !== "object" || map === null || Array.isArray(map)) return null;
  const entries = Object.entries(map);
  if (entries.length > MAX_FILE_PARTS) return "too many";
  const wellFormed = entries.every(([name, paths]) => FIELD_NAME.test(name) && Array.isArray(paths) && paths.length > 0 && paths.every((path) => typeof path === "string" && path.startsWith("variables.")));
  return wellFormed ? new Set(entries.map(([name]) => name)) : null;
}

/**
 * GraphQL multipart requests (`uploadAttachments`): Apollo's gateway sends JSON only, so the gateway
 * forwards them itself, part by part, to the attachments subgraph as a new multipart request with
 * the caller's identity, and answers with the subgraph's JSON. File bytes are piped with
 * backpressure, never buffered whole; a client that goes away aborts the subgraph request too.
 * Other requests pass on to the Apollo gateway. Mount after authentication.
 */
export function forwardUploads(options: UploadForwardingOptions): RequestHandler {
  return async (req, res, next) => {
    if (req.method !== "POST" || !isMultipart(req)) return next();
    if (!hasPreflightHeader(req)) {
      req.resume();
      return sendError(
        res,
        400,
        "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Send a non-empty 'apollo-require-preflight' (or 'x-apollo-operation-name') header with multipart requests.",
        "BAD_REQUEST",
      );
    }
    // The attachments subgraph keeps the key with the files it stores (subgraphs/kit/idempotency.ts): a retry
    // whose first upload committed is answered with those files, not stored again.
    const idempotencyKey = req.header("idempotency-key");
    if (idempotencyKey !== undefined && (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH)) {
      req.resume();
      return sendError(res, 400, `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`, "BAD_USER_INPUT", { field: "Idempotency-Key" });
    }
    const principal = res.locals.principal as Principal;
    const token = signIdentity(principal, identityAudience("attachments"), options.identityPrivateKey);
    new UploadForwarding(req, res, token, options, idempotencyKey).start();
  };
}

/** One forwarded multipart request. */
class UploadForwarding {
  private readonly boundary = `----casegraph-${randomBytes(16).toString("hex")}`;
  private readonly requestId = randomUUID();
  private readonly parser: busboy.Busboy;
  private outgoing: ClientRequest | undefined;
  private operations: string | undefined;
  private map: string | undefined;
  /** Files are written one after another, in the order the client sent them. */
  private queue: Promise<void> = Promise.resolve();
  /** The client has its answer (or is gone): stop forwarding. */
  private done = false;
  /** File field names the map announced and the client has not sent yet. */
  private unsentFiles = new Set<string>();
  /** The upload's span and byte count. */
  private readonly trace: UploadTrace;

  constructor(
    private readonly req: Request,
    private readonly res: Response,
    private readonly token: string,
    private readonly options: UploadForwardingOptions,
    private readonly idempotencyKey?: string,
  ) {
    // Larger buffers than busboy's 16 KiB default: fewer, bigger writes on the way to the subgraph.
    // Two fields (operations, map) and the files: a third field or one file too many ends the request, never passes silently.
    this.trace = new UploadTrace(options.onFileBytes);
    this.parser = busboy({ headers: req.headers, defParamCharset: "utf8", highWaterMark: 1 << 20, fileHwm: 1 << 20, limits: { fields: 2, fieldSize: 1_000_000, files: MAX_FILE_PARTS } });
  }

  start(): void {
    const { req, parser } = this;
    parser.on("field", (name, value, info) => this.onField(name, value, info.valueTruncated));
    parser.on("file", (name, stream, info) => this.onFile(name, stream, info));
    parser.on("close", () => {
      if (this.operations === undefined || this.map === undefined) return this.stop(400, ORDER, "BAD_REQUEST");
      this.enqueue(async () => this.open().end(`--${this.boundary}--\r\n`));
    });
    parser.on("error", (error: Error) => this.stop(400, `Malformed multipart request: ${error.message}`, "BAD_REQUEST"));
    parser.on("fieldsLimit", () => this.stop(400, ORDER, "BAD_REQUEST"));
    parser.on("filesLimit", () => this.stop(413, `At most ${MAX_FILE_PARTS} files per multipart request`, "TOO_MANY_FILES", { max: MAX_FILE_PARTS }));
    this.watchRate();
    req.on("error", () => this.abort());
    req.on("close", () => {
      if (!req.complete) this.abort();
    });
    req.pipe(parser);
  }

  private onField(name: string, value: string, truncated: boolean): void {
    if (this.done) return;
    if (truncated) return this.stop(413, `The '${name}' multipart field is too large`, "BAD_REQUEST");
    if (name === "operations" && this.operations === undefined) {
      const refusal = checkUploadOperation(value, this.options.apiSchema(), this.options.queryLimits);
      if (refusal) return this.stop(refusal.status, refusal.message, refusal.code, refusal.extensions);
      this.operations = value;
      const { checkOperation } = this.options;
      if (checkOperation) {
        const query = (JSON.parse(value) as { query: string }).query;
        this.enqueue(async () => {
          const refused = await checkOperation(query, this.req, this.res);
          if (refused) this.stop(refused.status, refused.message, refused.code, refused.extensions);
        });
      }
    } else if (name === "map" && this.operations !== undefined && this.map === undefined) {
      const keys = mapKeys(value);
      if (keys === "too many") return this.stop(413, `At most ${MAX_FILE_PARTS} files per multipart request`, "TOO_MANY_FILES", { max: MAX_FILE_PARTS });
      if (!keys) return this.stop(400, "The 'map' multipart field must be a JSON object of file field names to arrays of 'variables.' paths", "BAD_REQUEST");
      this.map = value;
      this.unsentFiles = keys;
    } else {
      this.stop(400, ORDER, "BAD_REQUEST");
    }
  }

  private onFile(name: string, stream: Readable, info: busboy.FileInfo): void {
    stream.on("error", () => undefined);
    if (this.done) return void stream.resume();
    if (this.map === undefined || !this.unsentFiles.delete(name)) {
      // Before the map, not in it, or a second time: bytes the operation would never read.
      stream.resume();
      return this.stop(400, ORDER, "BAD_REQUEST");
    }
    this.enqueue(
      () =>
        new Promise<void>((resolve, reject) => {
          if (this.done) return void stream.resume();
          const out = this.open();
          const type = MIME_TYPE.test(info.mimeType ?? "") ? info.mimeType : "application/octet-stream";
          const fileName = rfc5987(info.filename ?? "file");
          out.write(`--${this.boundary}\r\nContent-Disposition: form-data; name="${name}"; filename*=UTF-8''${fileName}\r\nContent-Type: ${type}\r\n\r\n`);
          stream.once("end", () => {
            stream.unpipe(out);
            if (!this.done) out.write("\r\n");
            resolve();
          });
          stream.once("error", reject);
          this.trace.countFile(stream);
          stream.pipe(out, { end: false });
        }),
    );
  }

  private enqueue(step: () => Promise<unknown> | void): void {
    this.queue = this.queue.then(async () => {
      if (!this.done) await step();
    });
    this.queue.catch(() => this.abort());
  }

  /** The subgraph request, opened when the first file (or the end of the request) arrives: operations and map go first. */
  private open(): ClientRequest {
    if (this.outgoing) return this.outgoing;
    const url = new URL(this.options.attachmentsUrl);
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const outgoing = this.trace.bind(send)(url, {
      method: "POST",
      headers: {
        "content-type": `multipart/form-data; boundary=${this.boundary}`,
        "apollo-require-preflight": "true",
        [IDENTITY_HEADER]: this.token,
        "x-request-id": this.requestId,
        ...(this.idempotencyKey ? { [IDEMPOTENCY_KEY_HEADER]: this.idempotencyKey } : {}),
      },
    });
    outgoing.setTimeout(this.options.idleTimeoutMs ?? 60_000, () => outgoing.destroy(new Error("attachments subgraph timed out")));
    outgoing.on("response", (response) => this.relay(response));
    outgoing.on("error", (error) => {
      if (this.done) return;
      this.options.logger.error({ err: error, requestId: this.requestId }, "upload forwarding failed");
      // Nothing was stored: the client may send the upload again (as the resumable path says too).
      this.stop(502, "The attachments service did not answer; nothing was stored", "SERVICE_UNAVAILABLE");
    });
    const part = (name: string, value: string) => `--${this.boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    outgoing.write(part("operations", this.operations ?? "{}") + part("map", this.map ?? "{}"));
    this.outgoing = outgoing;
    return outgoing;
  }

  /** Hands the subgraph's (small, JSON) answer to the client. */
  private relay(response: IncomingMessage): void {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_RESPONSE_BYTES) return void response.destroy(new Error("answer too large"));
      chunks.push(chunk);
    });
    response.on("error", () => this.stop(502, "The attachments service answer was cut off", "INTERNAL_SERVER_ERROR"));
    response.on("end", () => {
      if (this.done) return;
      this.finish();
      this.trace.end(response.statusCode ?? 502);
      this.res
        .status(response.statusCode ?? 502)
        .type(response.headers["content-type"] ?? "application/json")
        .send(Buffer.concat(chunks));
    });
  }

  /** Stops forwarding: whatever the client still sends is read and dropped, so that it gets its answer. */
  private finish(): void {
    this.done = true;
    this.req.unpipe(this.parser);
    this.req.resume();
    if (this.outgoing && !this.outgoing.writableFinished) this.outgoing.destroy();
  }

  private stop(status: number, message: string, code: string, extensions?: Record<string, unknown>): void {
    if (this.done) return;
    this.finish();
    this.trace.end(status, message);
    sendError(this.res, status, message, code, extensions);
  }

  /**
   * Ends an upload whose bytes trickle in slower than the configured rate (a slowloris client holding a
   * connection, a subgraph request and a temporary file open): 408, the subgraph request aborted so that
   * nothing is stored, and the connection closed. Windows in which the gateway paused reading (its
   * subgraph was slower than the client) do not count against the client.
   */
  private watchRate(): void {
    const { minBytesPerSecond = 0, rateWindowMs = 0 } = this.options;
    if (minBytesPerSecond <= 0 || rateWindowMs <= 0) return;
    const { req } = this;
    const minBytes = (minBytesPerSecond * rateWindowMs) / 1000;
    let received = 0;
    let heldBack = false;
    req.on("data", (chunk: Buffer) => (received += chunk.length));
    req.on("pause", () => (heldBack = true));
    const timer = setInterval(() => {
      const slow = !heldBack && received < minBytes;
      received = 0;
      heldBack = req.isPaused();
      if (!slow) return;
      clearInterval(timer);
      this.options.logger.warn({ event: "upload_too_slow", requestId: this.requestId, minBytesPerSecond, windowMs: rateWindowMs }, "upload cut off: the client sends too slowly");
      if (this.done) return void req.socket.destroy();
      this.finish();
      this.trace.end(408, "upload too slow");
      this.res.setHeader("connection", "close");
      sendError(this.res, 408, `The upload arrived slower than ${minBytesPerSecond} bytes per second; nothing was stored`, "BAD_REQUEST", { minBytesPerSecond });
    }, rateWindowMs);
    const stopWatching = () => clearInterval(timer);
    req.once("end", stopWatching);
    req.once("close", stopWatching);
  }

  /** The client went away: abort the subgraph request so that it stores nothing. */
  private abort(): void {
    if (this.done && (!this.outgoing || this.outgoing.destroyed)) return;
    this.done = true;
    this.trace.end(499, "the client went away");
    this.req.unpipe(this.parser);
    this.outgoing?.destroy();
  }
}

/** A file name as an RFC 5987 `filename*` value: encodeURIComponent leaves ' ( ) * as they are, which that grammar does not allow. */
function rfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
