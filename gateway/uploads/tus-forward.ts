import { randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Readable } from "node:stream";
import { ErrorCode } from "../../subgraphs/kit/errors.js";
import { IDENTITY_HEADER } from "../../subgraphs/kit/identity.js";

/** The mutation a finished resumable upload is handed over with: the same one multipart clients send. */
export const FORWARD_MUTATION = "mutation ResumableUpload($input: UploadAttachmentsInput!) { uploadAttachments(input: $input) { attachments { id fileName size sha256 state } } }";

const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export interface FinishedFile {
  fileName: string;
  contentType: string;
  size: number;
  body: Readable;
}

export interface AttachmentTarget {
  caseId: string | null;
  organizationId: string | null;
}

/** What the attachments subgraph made of the file: the staged attachment, or why not (HTTP status for the client, and the GraphQL errors). */
export type ForwardResult = { attachment: { id: string; fileName: string; size: number; sha256: string; state: string } } | { status: number; errors: unknown[] };

/** The HTTP status a tus client gets for a refused hand-over: 4xx is final for tus clients, 5xx makes them retry (with a new upload). */
export function statusOfCode(code: unknown): number {
  switch (code) {
    case ErrorCode.UNAUTHENTICATED:
      return 401;
    case ErrorCode.FORBIDDEN:
      return 403;
    case ErrorCode.NOT_FOUND:
      return 404;
    case ErrorCode.FILE_TOO_LARGE:
    case ErrorCode.QUOTA_EXCEEDED:
      return 413;
    case ErrorCode.TOO_MANY_UPLOADS:
    case ErrorCode.SERVICE_UNAVAILABLE:
      return 503;
    case ErrorCode.INTERNAL_SERVER_ERROR:
    case undefined:
      return 502;
    default:
      return 400;
  }
}

/**
 * Hands a finished file to the attachments subgraph exactly as the multipart path does: one GraphQL
 * multipart request carrying `uploadAttachments` with the uploader's identity token, streamed with
 * backpressure and a known length. The subgraph hashes the bytes, applies the size, quota and ZIP rules
 * and stages the attachment, or refuses and keeps nothing.
 */
export function forwardFinishedFile(options: { attachmentsUrl: string; identityToken: string; requestId: string; target: AttachmentTarget; file: FinishedFile; idleTimeoutMs?: number }): Promise<ForwardResult> {
  const { file, target } = options;
  const boundary = `----casegraph-${randomBytes(16).toString("hex")}`;
  const input = { ...(target.caseId ? { caseId: target.caseId } : { organizationId: target.organizationId }), files: [null] };
  const part = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const preamble = Buffer.from(
    part("operations", JSON.stringify({ query: FORWARD_MUTATION, variables: { input } })) +
      part("map", JSON.stringify({ 0: ["variables.input.files.0"] })) +
      `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename*=UTF-8''${encodeURIComponent(file.fileName)}\r\nContent-Type: ${file.contentType}\r\n\r\n`,
  );
  const epilogue = Buffer.from(`\r\n--${boundary}--\r\n`);
  const url = new URL(options.attachmentsUrl);
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise<ForwardResult>((resolve, reject) => {
    const outgoing = send(url, {
      method: "POST",
      headers: {
        "content-type": `multipart/form-data; boundary=${boundary}`,
        "content-length": String(preamble.length + file.size + epilogue.length),
        "apollo-require-preflight": "true",
        [IDENTITY_HEADER]: options.identityToken,
        "x-request-id": options.requestId,
      },
    });
    outgoing.setTimeout(options.idleTimeoutMs ?? 60_000, () => outgoing.destroy(new Error("attachments subgraph timed out")));
    outgoing.on("error", (error) => {
      file.body.destroy();
      reject(error);
    });
    outgoing.on("response", (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) return void response.destroy(new Error("answer too large"));
        chunks.push(chunk);
      });
      response.on("error", reject);
      response.on("end", () => {
        file.body.destroy();
        let json: { data?: { uploadAttachments?: { attachments?: { id: string; fileName: string; size: number; sha256: string; state: string }[] } }; errors?: { extensions?: { code?: unknown } }[] };
        try {
          json = JSON.parse(Buffer.concat(chunks).toString("utf8")) as typeof json;
        } catch {
          return resolve({ status: 502, errors: [{ message: "The attachments service answered something other than JSON; nothing was stored", extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }] });
        }
        const attachment = json.data?.uploadAttachments?.attachments?.[0];
        if (attachment && !json.errors?.length) return resolve({ attachment });
        const errors = json.errors?.length ? json.errors : [{ message: "The attachments service stored nothing", extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }];
        resolve({ status: response.statusCode && response.statusCode >= 400 && response.statusCode !== 400 ? response.statusCode : statusOfCode(errors[0]?.extensions?.code), errors });
      });
    });
    outgoing.write(preamble);
    file.body.on("error", (error) => outgoing.destroy(error));
    file.body.pipe(outgoing, { end: false });
    file.body.once("end", () => outgoing.end(epilogue));
  });
}
