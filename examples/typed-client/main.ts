/**
 * A typed client as a first-party app would build it: GraphQL Code Generator's client preset turns
 * `operations.ts` into typed documents that carry their SHA-256 hash (`gql/`, regenerated with
 * `npm run codegen:example`), and the app sends only those hashes (persisted documents), never a query
 * text. It lists the open cases (GET, revalidated with If-None-Match), uploads a file resumably with
 * tus-js-client, and attaches the file to the newest case with a case update. Against `npm start`:
 *
 *   npm run operations -- publish examples/typed-client/gql/persisted-documents.json --client casegraph-example --version 1.0.0
 *   npm run build
 *   CASEGRAPH_TOKEN=$(npm run -s token -- --user customer@acme.example) UPLOAD_FILE=agent.log node dist/examples/typed-client/main.js
 *
 * GATEWAY_URL defaults to http://localhost:4000/graphql; CASEGRAPH_API_KEY works instead of a token.
 * Without UPLOAD_FILE it only lists. The gateway may run it under PERSISTED_ONLY_CLIENTS=casegraph-example.
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { type DetailedError, Upload } from "tus-js-client";
import type { AttachFileMutation, OpenCasesQuery } from "./gql/graphql.js";
import { AttachFile, OpenCases } from "./operations.js";

/** What this app calls itself: the gateway's persisted-only policy and the published release are keyed by it. */
const CLIENT_NAME = "casegraph-example";
const CLIENT_VERSION = "1.0.0";

interface GraphQLError {
  message: string;
  extensions?: { code?: string };
}

/** The hash GraphQL Code Generator embedded in a document (`persistedDocuments: true`). */
function documentIdOf(document: object): string {
  const hash = (document as { __meta__?: { hash?: string } }).__meta__?.hash;
  if (!hash) throw new Error("the document carries no hash: regenerate with npm run codegen:example");
  return hash;
}

function credentialHeaders(env: NodeJS.ProcessEnv): Record<string, string> {
  if (env.CASEGRAPH_API_KEY) return { "x-api-key": env.CASEGRAPH_API_KEY };
  if (env.CASEGRAPH_TOKEN) return { authorization: `Bearer ${env.CASEGRAPH_TOKEN}` };
  throw new Error("set CASEGRAPH_API_KEY (a partner key) or CASEGRAPH_TOKEN (a bearer token)");
}

/** A client that sends documents by hash: queries by GET (cacheable, revalidated with the ETag), mutations by POST. */
class CasegraphClient {
  /** The last answer of each GET, by URL: sent back as If-None-Match, reused on 304. */
  private readonly validated = new Map<string, { etag: string; body: string }>();
  /** Bytes of answer bodies received, and answers that came back 304 (for the report at the end). */
  bytesReceived = 0;
  notModified = 0;

  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string>,
  ) {}

  private clientHeaders(): Record<string, string> {
    return { ...this.headers, accept: "application/json", "apollographql-client-name": CLIENT_NAME, "apollographql-client-version": CLIENT_VERSION };
  }

  async query<TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, variables: TVariables): Promise<TResult> {
    const url = new URL(this.url);
    url.searchParams.set("documentId", documentIdOf(document));
    url.searchParams.set("variables", JSON.stringify(variables));
    const known = this.validated.get(url.href);
    // CSRF prevention: a GET must carry a header that browsers send cross-site only after a preflight.
    const response = await fetch(url, { headers: { ...this.clientHeaders(), "apollo-require-preflight": "true", ...(known ? { "if-none-match": known.etag } : {}) } });
    let body: string;
    if (response.status === 304 && known) {
      this.notModified++;
      body = known.body;
    } else {
      body = await response.text();
      this.bytesReceived += Buffer.byteLength(body);
      const etag = response.headers.get("etag");
      if (response.ok && etag) this.validated.set(url.href, { etag, body });
    }
    return this.result<TResult>(response.status, body);
  }

  async mutate<TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, variables: TVariables): Promise<TResult> {
    const response = await fetch(this.url, {
      method: "POST",
      headers: { ...this.clientHeaders(), "content-type": "application/json" },
      body: JSON.stringify({ documentId: documentIdOf(document), variables }),
    });
    const body = await response.text();
    this.bytesReceived += Buffer.byteLength(body);
    return this.result<TResult>(response.status, body);
  }

  private result<T>(status: number, text: string): T {
    const body = JSON.parse(text) as { data?: T; errors?: GraphQLError[] };
    if (body.errors?.length || !body.data) {
      const reasons = (body.errors ?? []).map((error) => `${error.extensions?.code ?? "ERROR"}: ${error.message}`);
      throw new Error(`HTTP ${status}: ${reasons.join("; ") || "no data"}`);
    }
    return body.data;
  }

  /** Uploads a file with the tus protocol (resumable: an interrupted upload goes on from its last byte); returns the STAGED attachment's id. */
  upload(data: Buffer, fileName: string, caseId: string): Promise<string> {
    const endpoint = new URL("/uploads/tus", this.url).href;
    return new Promise((resolve, reject) => {
      const upload = new Upload(data, {
        endpoint,
        headers: this.headers,
        metadata: { filename: fileName, filetype: "application/octet-stream", caseId },
        // Smaller requests on a mobile link: a drop costs at most one chunk.
        chunkSize: 8 * 1024 * 1024,
        retryDelays: [0, 1000, 3000, 5000],
        onSuccess: ({ lastResponse }) => {
          const id = lastResponse.getHeader("attachment-id");
          if (id) resolve(id);
          else reject(new Error("the gateway did not name the attachment"));
        },
        onError: (error) => {
          const response = (error as DetailedError).originalResponse;
          reject(new Error(response ? `upload refused, HTTP ${response.getStatus()}: ${response.getBody()}` : error.message));
        },
      });
      upload.start();
    });
  }
}

async function main(): Promise<void> {
  const url = process.env.GATEWAY_URL || "http://localhost:4000/graphql";
  const client = new CasegraphClient(url, credentialHeaders(process.env));

  const first: OpenCasesQuery = await client.query(OpenCases, { first: 20 });
  for (const { node } of first.cases.edges) console.log(`${node.caseNumber}  ${node.subStatus.padEnd(22)} ${node.severity.padEnd(8)} ${node.title}`);
  console.log(`${first.cases.totalCount} open case${first.cases.totalCount === 1 ? "" : "s"}`);
  // A dashboard polls: the second identical request is answered 304, and the list comes from the first answer.
  const again = await client.query(OpenCases, { first: 20 });
  console.log(`polled again: ${again.cases.edges.length === first.cases.edges.length ? "unchanged" : "changed"} (${client.notModified} answered 304 Not Modified)`);

  const path = process.env.UPLOAD_FILE;
  if (!path) return;
  const target = first.cases.edges[0]?.node;
  if (!target) throw new Error("no open case to attach the file to");
  const data = await readFile(path);
  const attachmentId = await client.upload(data, basename(path), target.id);
  console.log(`uploaded ${basename(path)} (${data.length} bytes) as attachment ${attachmentId}`);
  const attached: AttachFileMutation = await client.mutate(AttachFile, { input: { caseId: target.id, body: `Attached ${basename(path)} from the typed client example.`, attachmentIds: [attachmentId] } });
  for (const file of attached.addCaseUpdate.update.attachments) console.log(`${attached.addCaseUpdate.case.caseNumber}: ${file.fileName} ${file.state} sha256=${file.sha256}`);
}

main().catch((error: unknown) => {
  console.error(`typed-client: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
