import { connect } from "node:net";

/** An HTTP answer as read off the socket. `status` is 0 when the server closed without answering. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The JSON body's first `extensions.code`, when it has one. */
  code?: string;
}

/**
 * Sends bytes no well-behaved HTTP client would (control characters or raw non-Latin-1 bytes in headers,
 * a body that is not what Content-Length says, bytes that trickle in) over a plain TCP socket, and reads
 * the answer until the server closes. `write` gets the socket's write function and may pace the bytes;
 * the request should carry `Connection: close`.
 */
export function sendRaw(url: string, write: (send: (bytes: string | Buffer) => Promise<void>) => Promise<void>): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    let closed = false;
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      closed = true;
      resolve(parseResponse(Buffer.concat(chunks)));
    });
    const send = (bytes: string | Buffer) =>
      new Promise<void>((done) => {
        if (closed || socket.destroyed) return done();
        socket.write(bytes, () => done());
      });
    socket.once("connect", () => {
      write(send).catch(() => socket.destroy());
    });
  });
}

function parseResponse(raw: Buffer): RawResponse {
  const headEnd = raw.indexOf("\r\n\r\n");
  if (!raw.subarray(0, 5).equals(Buffer.from("HTTP/"))) return { status: 0, headers: {}, body: raw.toString("utf8") };
  const [statusLine, ...lines] = raw
    .subarray(0, headEnd < 0 ? raw.length : headEnd)
    .toString("latin1")
    .split("\r\n");
  const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]));
  let body = headEnd < 0 ? Buffer.alloc(0) : raw.subarray(headEnd + 4);
  if (/chunked/i.test(headers["transfer-encoding"] ?? "")) body = unchunk(body);
  const text = body.toString("utf8");
  let code: string | undefined;
  try {
    code = JSON.parse(text).errors?.[0]?.extensions?.code;
  } catch {
    // not JSON
  }
  return { status: Number(statusLine!.split(" ")[1]), headers, body: text, code };
}

function unchunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let rest = body;
  for (;;) {
    const lineEnd = rest.indexOf("\r\n");
    const size = parseInt(rest.subarray(0, lineEnd).toString("latin1"), 16);
    if (!size) return Buffer.concat(parts);
    parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
    rest = rest.subarray(lineEnd + 2 + size + 2);
  }
}

/** A complete POST request with these header lines (raw: no validation) and body. */
export function rawPost(url: string, headerLines: (string | Buffer)[], body: string | Buffer): Buffer {
  const { host, pathname } = new URL(url);
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const head = [`POST ${pathname} HTTP/1.1`, `Host: ${host}`, "Connection: close", `Content-Length: ${bytes.length}`];
  return Buffer.concat([Buffer.from(head.join("\r\n") + "\r\n"), ...headerLines.map((line) => Buffer.concat([Buffer.from(line), Buffer.from("\r\n")])), Buffer.from("\r\n"), bytes]);
}
