import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, statSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { Upload } from "tus-js-client";
import { dashboardQuery } from "./queries.js";

const CREATE_CASE =
  'mutation($title: String!) { createCase(input: { title: $title, description: "Benchmark", inquiryType: PRODUCT, problemCategory: "PRODUCT_OTHER", productProfileId: "acme-endpoint", severity: LOW, contactName: "Bench" }) { case { id } } }';

/** Registers a case as the caller and returns its id. */
export async function createBenchCase(gatewayUrl: string, bearer: Record<string, string>, title: string): Promise<string> {
  const response = await fetch(gatewayUrl, { method: "POST", headers: { "content-type": "application/json", ...bearer }, body: JSON.stringify({ query: CREATE_CASE, variables: { title } }) });
  const body = (await response.json()) as { data?: { createCase: { case: { id: string } } }; errors?: unknown[] };
  if (!body.data) throw new Error(`createCase failed: ${JSON.stringify(body.errors).slice(0, 300)}`);
  return body.data.createCase.case.id;
}

/** Bytes of one HTTP answer as they cross the wire: status line, headers and body. */
function getBytes(url: URL, headers: Record<string, string>): Promise<{ status: number; bytes: number; etag?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let bytes = `HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n`.length + 2;
      for (let i = 0; i < res.rawHeaders.length; i += 2) bytes += `${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}\r\n`.length;
      res.on("data", (chunk: Buffer) => (bytes += chunk.length));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes, etag: res.headers.etag }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/**
 * A dashboard that re-polls its case list while nothing changes: the bytes its answers cost by plain GET,
 * and with If-None-Match (304 after the first). Returns the result rows.
 */
export async function benchPolling(gatewayUrl: string, bearer: Record<string, string>, polls: number): Promise<string[][]> {
  const url = new URL(gatewayUrl);
  url.searchParams.set("query", dashboardQuery(20));
  const get = { ...bearer, "apollo-require-preflight": "true" };
  const plain = { total: 0, first: 0 };
  for (let i = 0; i < polls; i++) {
    const answer = await getBytes(url, get);
    if (answer.status !== 200) throw new Error(`the dashboard GET answered ${answer.status}`);
    plain.total += answer.bytes;
    if (i === 0) plain.first = answer.bytes;
  }
  let etag: string | undefined;
  let validated = 0;
  let notModified = 0;
  for (let i = 0; i < polls; i++) {
    const answer = await getBytes(url, { ...get, ...(etag ? { "if-none-match": etag } : {}) });
    validated += answer.bytes;
    if (answer.status === 304) notModified++;
    etag = answer.etag ?? etag;
  }
  const fmt = (n: number) => n.toLocaleString("en-US");
  return [
    [`8. dashboard (20 cases) polled ${polls} times by GET, unchanged`, `${fmt(plain.total)} bytes`, `${fmt(plain.first)} bytes per answer`, ""],
    [
      `8. the same with If-None-Match (ETag)`,
      `${fmt(validated)} bytes`,
      `${notModified} of ${polls} answered 304 (${fmt(Math.round((validated - plain.first) / Math.max(1, polls - 1)))} bytes each); ${(plain.total / validated).toFixed(1)}× fewer bytes`,
      "",
    ],
  ];
}

/** Runs curl (its own process) with `-s -i`; resolves with what it printed (headers, then body). */
function curl(args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn("curl", ["-s", "-i", ...args]);
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("error", (error) => resolve(`curl: ${error.message}`));
    child.on("close", () => resolve(out));
  });
}

/** One tus upload of the file at `path` (a read stream: tus-js-client reads it by ranges, without holding it). */
function tusUpload(endpoint: string, path: string, size: number, headers: Record<string, string>, caseId: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const upload = new Upload(createReadStream(path), {
      endpoint,
      headers,
      uploadSize: size,
      metadata: { filename: "bench.bin", caseId },
      retryDelays: null,
      onSuccess: ({ lastResponse }) => resolve(lastResponse.getHeader("attachment-id") ?? ""),
      onError: reject,
    });
    upload.start();
  });
}

/** The same file of `megabytes` by GraphQL multipart (curl, its own process, as in section 5) and by tus: seconds each and the ratio. */
export async function benchResumableUpload(gatewayUrl: string, bearer: Record<string, string>, dataDir: string, megabytes: number, rounds = 3): Promise<string[][]> {
  const file = join(dataDir, "resumable.bin");
  const out = createWriteStream(file);
  for (let written = 0; written < megabytes; written++) out.write(randomBytes(1024 * 1024));
  await new Promise((resolve) => out.end(resolve));
  const size = statSync(file).size;
  const caseId = await createBenchCase(gatewayUrl, bearer, "Resumable upload benchmark");
  const operations = JSON.stringify({ query: "mutation($input: UploadAttachmentsInput!) { uploadAttachments(input: $input) { attachments { id size } } }", variables: { input: { caseId, files: [null] } } });
  const headers = Object.entries(bearer).flatMap(([name, value]) => ["-H", `${name}: ${value}`]);
  const multipart = async () => {
    const started = process.hrtime.bigint();
    const answer = await curl([...headers, "-H", "apollo-require-preflight: true", "-F", `operations=${operations}`, "-F", 'map={"0":["variables.input.files.0"]}', "-F", `0=@${file}`, gatewayUrl]);
    if (!answer.includes('"uploadAttachments"')) throw new Error(`multipart upload failed: ${answer.slice(0, 300)}`);
    return Number(process.hrtime.bigint() - started) / 1e9;
  };
  const endpoint = new URL("/uploads/tus", gatewayUrl).href;
  // The same client program for both: curl creates the tus upload and sends the file in one PATCH.
  const resumable = async () => {
    const started = process.hrtime.bigint();
    const metadata = `filename ${Buffer.from("bench.bin").toString("base64")},caseId ${Buffer.from(caseId).toString("base64")}`;
    const created = await curl([...headers, "-X", "POST", "-H", "tus-resumable: 1.0.0", "-H", `upload-length: ${size}`, "-H", `upload-metadata: ${metadata}`, endpoint]);
    const location = /^location: (\S+)/im.exec(created)?.[1];
    if (!location) throw new Error(`tus creation failed: ${created.slice(0, 300)}`);
    const patched = await curl([...headers, "-X", "PATCH", "-T", file, "-H", "tus-resumable: 1.0.0", "-H", "upload-offset: 0", "-H", "content-type: application/offset+octet-stream", new URL(location, endpoint).href]);
    if (!/^attachment-id: \S+/im.test(patched)) throw new Error(`tus upload failed: ${patched.slice(0, 300)}`);
    return Number(process.hrtime.bigint() - started) / 1e9;
  };
  // tus-js-client (in this process) on the same file, for what a Node client gets.
  const resumableJs = async () => {
    const started = process.hrtime.bigint();
    const attachmentId = await tusUpload(endpoint, file, size, bearer, caseId);
    if (!attachmentId) throw new Error("the tus upload named no attachment");
    return Number(process.hrtime.bigint() - started) / 1e9;
  };
  // Alternating rounds, so that a burst of load elsewhere on the machine does not fall on one side only; medians.
  const times: { multipart: number[]; tus: number[] } = { multipart: [], tus: [] };
  // Both clients are curl, so that the figures compare the gateway's two paths, not two client programs.
  for (let round = 0; round < rounds; round++) {
    times.multipart.push(await multipart());
    times.tus.push(await resumable());
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const multipartSeconds = median(times.multipart);
  const tusSeconds = median(times.tus);
  const tusJsSeconds = await resumableJs();
  const mb = size / 2 ** 20;
  const rate = (seconds: number) => `${(mb / seconds).toFixed(0)} MB/s`;
  return [
    [`9. ${mb.toFixed(0)} MB by GraphQL multipart`, `${multipartSeconds.toFixed(2)} s, ${rate(multipartSeconds)}`, `curl; median of ${rounds}, alternating with tus`, ""],
    [`9. the same file by tus (resumable), one PATCH`, `${tusSeconds.toFixed(2)} s, ${rate(tusSeconds)}`, `curl; median of ${rounds}; ratio to multipart ${(multipartSeconds / tusSeconds).toFixed(2)} (target ≥ 0.8)`, ""],
    [`9. the same file by tus-js-client (Node, one PATCH)`, `${tusJsSeconds.toFixed(2)} s, ${rate(tusJsSeconds)}`, "one run; the client program sets this pace", ""],
  ];
}
