import { createServer } from "node:http";
import { type Dispatcher, Pool } from "undici";
import { IDENTITY_HEADER } from "../../subgraphs/kit/identity.js";

/**
 * Section 1's floor: a Node process that does nothing but forward a POST's bytes to one subgraph and
 * its answer's bytes back (node:http in, an undici Pool out, as the gateway's own subgraph calls), with
 * the caller's identity header passed through. No parsing, planning, authentication or shaping: what a
 * gateway written in Node costs at the very least for one more hop on the same cores.
 *
 *   node dist/scripts/bench/bare-proxy.js <subgraph URL> <port>
 */
const [target, port] = process.argv.slice(2);
if (!target || !port) throw new Error("usage: bare-proxy <subgraph URL> <port>");
const { origin, pathname } = new URL(target);
const pool = new Pool(origin, { connections: 128, pipelining: 1, keepAliveTimeout: 30_000 });

const server = createServer((req, res) => {
  if (req.method !== "POST") {
    res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ready"}');
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    const identity = req.headers[IDENTITY_HEADER];
    if (typeof identity === "string") headers[IDENTITY_HEADER] = identity;
    const answer: Buffer[] = [];
    let status = 502;
    const handler: Dispatcher.DispatchHandlers = {
      onConnect() {},
      onError(error) {
        res.writeHead(502, { "content-type": "text/plain" }).end(String(error));
      },
      onHeaders(statusCode) {
        status = statusCode;
        return true;
      },
      onData(chunk) {
        answer.push(chunk);
        return true;
      },
      onComplete() {
        const body = Buffer.concat(answer);
        res.writeHead(status, { "content-type": "application/json", "content-length": body.length }).end(body);
      },
    };
    pool.dispatch({ path: pathname, method: "POST", headers, body: Buffer.concat(chunks) }, handler);
  });
});
server.listen(Number(port), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => void pool.close().then(() => process.exit(0))));
