import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";

export interface S3MultipartServer {
  /** The S3 endpoint to configure (S3_ENDPOINT). */
  endpoint: string;
  stop(): Promise<void>;
}

interface Part {
  etag: string;
  size: number;
}

const xml = (res: ServerResponse, status: number, body: string) => {
  res.writeHead(status, { "content-type": "application/xml" });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
};

/**
 * s3rver with the two multipart calls it lacks and resumable uploads need: ListParts (the tus S3 store
 * reads an upload's offset from it) and AbortMultipartUpload. A small HTTP front keeps the parts each
 * UploadPart stored and answers those two itself; everything else goes to s3rver unchanged.
 */
export async function startS3MultipartServer(buckets: string[]): Promise<S3MultipartServer> {
  const directory = mkdtempSync(join(tmpdir(), "casegraph-s3-"));
  const s3 = new S3rver({ port: 0, address: "127.0.0.1", directory, silent: true, configureBuckets: buckets.map((name) => ({ name, configs: [] })) });
  const { port: s3Port } = (await s3.run()) as { port: number };
  const uploads = new Map<string, Map<number, Part>>();

  const forward = (req: IncomingMessage, res: ServerResponse, onResponse?: (status: number, headers: IncomingMessage["headers"], body: Buffer) => void) => {
    let size = 0;
    const upstream = request({ host: "127.0.0.1", port: s3Port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on("data", (chunk: Buffer) => chunks.push(chunk));
      answer.on("end", () => {
        const body = Buffer.concat(chunks);
        onResponse?.(answer.statusCode ?? 500, { ...answer.headers, "x-request-bytes": String(size) }, body);
        res.writeHead(answer.statusCode ?? 500, answer.headers);
        res.end(body);
      });
    });
    upstream.on("error", () => res.destroy());
    req.on("data", (chunk: Buffer) => (size += chunk.length));
    req.pipe(upstream);
  };

  const front = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://s3");
    const uploadId = url.searchParams.get("uploadId");
    const [, bucket, ...keyParts] = url.pathname.split("/");
    const key = decodeURIComponent(keyParts.join("/"));
    if (uploadId && req.method === "GET") {
      const parts = uploads.get(uploadId);
      if (!parts) return xml(res, 404, `<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message><UploadId>${uploadId}</UploadId></Error>`);
      const listed = [...parts.entries()].sort(([a], [b]) => a - b);
      return xml(
        res,
        200,
        `<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${bucket}</Bucket><Key>${key}</Key><UploadId>${uploadId}</UploadId><MaxParts>10000</MaxParts><IsTruncated>false</IsTruncated>${listed
          .map(([number, part]) => `<Part><PartNumber>${number}</PartNumber><ETag>${part.etag}</ETag><Size>${part.size}</Size></Part>`)
          .join("")}</ListPartsResult>`,
      );
    }
    if (uploadId && req.method === "DELETE") {
      uploads.delete(uploadId);
      req.resume();
      res.writeHead(204).end();
      return;
    }
    if (uploadId && req.method === "PUT") {
      const number = Number(url.searchParams.get("partNumber"));
      return forward(req, res, (status, headers) => {
        if (status === 200) uploads.get(uploadId)?.set(number, { etag: String(headers.etag), size: Number(headers["x-request-bytes"]) });
      });
    }
    if (uploadId && req.method === "POST") return forward(req, res, (status) => status === 200 && void uploads.delete(uploadId));
    if (url.searchParams.has("uploads") && req.method === "POST") {
      return forward(req, res, (status, _headers, body) => {
        const id = /<UploadId>([^<]+)<\/UploadId>/.exec(body.toString())?.[1];
        if (status === 200 && id) uploads.set(id, new Map());
      });
    }
    forward(req, res);
  });
  await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(front.address() as AddressInfo).port}`,
    async stop() {
      await new Promise<void>((resolve) => front.close(() => resolve()));
      await s3.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
