import type { RemoteGraphQLDataSource } from "@apollo/gateway";
import { type Dispatcher, Pool } from "undici";

type Fetcher = RemoteGraphQLDataSource["fetcher"];
interface Answer {
  status: number;
  headers: AnswerHeaders;
  text: string;
}

/**
 * The headers of a subgraph's answer, read-only: what Apollo's RemoteGraphQLDataSource reads of them
 * (`get`, `has`, iteration), without building a WHATWG `Headers` for every call. Names are lower case;
 * a repeated header is joined with ", ", as `Headers.get` does.
 */
export class AnswerHeaders {
  private readonly byName = new Map<string, string>();

  /** From undici's raw headers: name, value, name, value, ... as bytes. */
  constructor(raw: Buffer[] = []) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!.toString("latin1").toLowerCase();
      const value = raw[i + 1]!.toString("latin1");
      const known = this.byName.get(name);
      this.byName.set(name, known === undefined ? value : `${known}, ${value}`);
    }
  }
  get(name: string): string | null {
    return this.byName.get(name.toLowerCase()) ?? null;
  }
  has(name: string): boolean {
    return this.byName.has(name.toLowerCase());
  }
  forEach(callback: (value: string, name: string) => void): void {
    for (const [name, value] of this.entries()) callback(value, name);
  }
  /** In name order, as `Headers` iterates. */
  *entries(): IterableIterator<[string, string]> {
    yield* [...this.byName].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }
  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

/** Mutations are never shared: each is work the caller asked for once. */
function isReadOnly(body: string | undefined): boolean {
  if (!body) return false;
  const match = /"query"\s*:\s*"\s*(\w*)/.exec(body);
  return match !== null && (match[1] === "query" || match[1] === "");
}

/** The connection broke before any answer came (undici's "other side closed", a reset). */
function connectionLost(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === "UND_ERR_SOCKET" || code === "ECONNRESET";
}

/** One HTTP exchange on `pool`: the status, the headers and the whole body as text. */
function exchange(pool: Pool, path: string, method: string, headers: Record<string, string> | undefined, body: string | undefined): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    let status = 0;
    let answerHeaders: AnswerHeaders | undefined;
    const chunks: Buffer[] = [];
    const handler: Dispatcher.DispatchHandlers = {
      onConnect() {},
      onError: reject,
      onHeaders(statusCode, rawHeaders) {
        status = statusCode;
        answerHeaders = new AnswerHeaders(rawHeaders);
        return true;
      },
      onData(chunk) {
        chunks.push(chunk);
        return true;
      },
      onComplete() {
        const text = chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8");
        resolve({ status, headers: answerHeaders ?? new AnswerHeaders(), text });
      },
    };
    pool.dispatch({ path, method: method as Dispatcher.HttpMethod, headers, body }, handler);
  });
}

/**
 * The gateway's HTTP client for subgraph calls: one undici `Pool` per subgraph origin over kept-alive
 * connections (no pipelining), its answers read whole into a string, shaped as the fetch-like `Fetcher`
 * Apollo's RemoteGraphQLDataSource expects. Node's global `fetch`, with WHATWG streams, cost a quarter of
 * the gateway's CPU in the benchmark; undici's `request`, with a body stream and an async resource per
 * call, more than this plain handler.
 *
 * Identical read-only calls in flight at the same time (same subgraph, same body, same identity
 * token, hence the same caller) share one upstream request, as Hive Gateway and Apollo Router do.
 * `timeoutMs` bounds the wait for headers and for the body of every call.
 */
export function createSubgraphFetcher(timeoutMs: number, deduplicate = true): Fetcher {
  const pools = new Map<string, Pool>();
  /** Each subgraph URL's pool and request path, worked out once. */
  const targets = new Map<string, { pool: Pool; path: string }>();
  const inFlight = new Map<string, Promise<Answer>>();

  async function send(url: string, init: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Answer> {
    let target = targets.get(url);
    if (!target) {
      const { origin, pathname, search } = new URL(url);
      let pool = pools.get(origin);
      if (!pool) {
        pool = new Pool(origin, { keepAliveTimeout: 30_000, connections: 128, pipelining: 1, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
        pools.set(origin, pool);
      }
      target = { pool, path: pathname + search };
      targets.set(url, target);
    }
    const { pool, path } = target;
    const call = () => exchange(pool, path, init.method ?? "POST", init.headers, init.body);
    try {
      return await call();
    } catch (error) {
      // A kept-alive connection the other side had closed (a proxy's idle timeout, a replica that died):
      // a query is sent again once, on a fresh connection. A mutation is not: it may have run.
      if (!connectionLost(error) || !isReadOnly(init.body)) throw error;
      return call();
    }
  }

  return (async (url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) => {
    let answer: Promise<Answer>;
    if (deduplicate && isReadOnly(init.body)) {
      // The request id differs per client request and does not change the answer.
      const headers = Object.entries(init.headers ?? {}).filter(([name]) => name.toLowerCase() !== "x-request-id");
      const key = `${url}\n${headers.sort().join("\n")}\n${init.body}`;
      answer = inFlight.get(key) ?? send(url, init).finally(() => inFlight.delete(key));
      inFlight.set(key, answer);
    } else {
      answer = send(url, init);
    }
    const { status, headers, text } = await answer;
    return { ok: status >= 200 && status < 300, status, statusText: "", url, headers, text: async () => text, json: async (): Promise<unknown> => JSON.parse(text) };
  }) as unknown as Fetcher;
}
