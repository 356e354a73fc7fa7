import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { Uint8ArrayReader, Uint8ArrayWriter, ZipWriter } from "@zip.js/zip.js";
import { AttachmentEntity } from "../../subgraphs/attachments/attachment/attachment.entity.js";
import type { GraphQLResponse, TestGraph } from "./graph.js";

/** A file as a client sends it. `data` may be a generator, to stream more than a test wants to hold. */
export interface ClientFile {
  name: string;
  type?: string;
  data: Buffer | (() => AsyncIterable<Buffer>);
}

export const UPLOAD = `mutation Upload($input: UploadAttachmentsInput!) {
  uploadAttachments(input: $input) { attachments { id fileName size contentType sha1 sha256 state uploadedAt uploadedBy { id name role } downloadUrl } }
}`;

export function sha1(data: Buffer): string {
  return createHash("sha1").update(data).digest("hex");
}

export function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Deterministic-enough bytes that differ from file to file. */
export function randomFile(size: number): Buffer {
  return randomBytes(size);
}

/** A ZIP of one file, encrypted with `password` (AES-256, or ZipCrypto), made with zip.js as a client tool would. */
export async function encryptedZip(password: string | undefined, options: { zipCrypto?: boolean; entries?: Record<string, Buffer> } = {}): Promise<Buffer> {
  const writer = new ZipWriter(new Uint8ArrayWriter(), { password, zipCrypto: options.zipCrypto, useWebWorkers: false });
  for (const [name, bytes] of Object.entries(options.entries ?? { "sample.exe": randomBytes(4096) })) {
    await writer.add(name, new Uint8ArrayReader(new Uint8Array(bytes)));
  }
  return Buffer.from(await writer.close());
}

export interface MultipartRequest {
  token?: string;
  input: Record<string, unknown>;
  files: ClientFile[];
  query?: string;
  /** Defaults to `apollo-require-preflight: true`. */
  headers?: Record<string, string>;
  /** Called with the request once the first bytes of file `index` are written: lets a test abort mid-upload. */
  onFileStarted?: (index: number, abort: () => void) => void;
}

/** A GraphQL multipart request (github.com/jaydenseric/graphql-multipart-request-spec) over real HTTP, streaming each file. */
export function postMultipart(url: string, { token, input, files, query = UPLOAD, headers, onFileStarted }: MultipartRequest): Promise<GraphQLResponse> {
  const boundary = `----test${randomBytes(8).toString("hex")}`;
  const operations = JSON.stringify({ query, variables: { input: { ...input, files: files.map(() => null) } } });
  const map = JSON.stringify(Object.fromEntries(files.map((_, index) => [String(index), [`variables.input.files.${index}`]])));
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: "POST",
      headers: {
        "content-type": `multipart/form-data; boundary=${boundary}`,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(headers ?? { "apollo-require-preflight": "true" }),
      },
    });
    let answered = false;
    // A server may answer before the body is all sent (a refusal, a load balancer's 503) and close: a client
    // that already has that answer reads it rather than report the write that failed after it.
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    req.on("response", (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      // The connection lost mid-answer (the gateway killed while it answered): a network error, not a hang.
      response.on("error", reject);
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        let parsed: { data?: any; errors?: any[] };
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = { errors: [{ message: text }] };
        }
        resolve({ status: response.statusCode ?? 0, headers: new Headers(response.headers as Record<string, string>), data: parsed.data ?? undefined, errors: parsed.errors });
      });
    });
    const write = (chunk: Buffer | string) => new Promise<void>((done) => (req.write(chunk) ? done() : req.once("drain", done)));
    (async () => {
      const field = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
      await write(field("operations", operations) + field("map", map));
      for (const [index, file] of files.entries()) {
        await write(
          `--${boundary}\r\nContent-Disposition: form-data; name="${index}"; filename*=UTF-8''${encodeURIComponent(file.name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}\r\nContent-Type: ${file.type ?? "application/octet-stream"}\r\n\r\n`,
        );
        let started = false;
        for await (const chunk of typeof file.data === "function" ? file.data() : [file.data]) {
          if (req.destroyed) return;
          await write(chunk);
          if (!started) {
            started = true;
            onFileStarted?.(index, () => req.destroy());
          }
        }
        await write("\r\n");
      }
      req.end(`--${boundary}--\r\n`);
    })().catch(() => undefined);
  });
}

/** Uploads through the gateway of `graph`. */
export function upload(graph: TestGraph, request: MultipartRequest): Promise<GraphQLResponse> {
  return postMultipart(graph.gatewayUrl, request);
}

/** Files in the blob store's folders (final objects and temporaries). */
export function storedBlobs(graph: TestGraph): { objects: string[]; temporaries: string[] } {
  const root = graph.attachments.services.config.blobDir;
  const list = (dir: string) => (existsSync(join(root, dir)) ? readdirSync(join(root, dir)) : []);
  return { objects: list("objects"), temporaries: list("tmp") };
}

export function attachmentRows(graph: TestGraph): Promise<AttachmentEntity[]> {
  return graph.attachments.dataSource.getRepository(AttachmentEntity).find();
}

/** Downloads a link as a client would: with a bearer token when given. */
export async function download(url: string, token?: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const response = await fetch(url, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

/** Waits (briefly) until `condition` holds: for cleanup that follows a client's disconnect. */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
