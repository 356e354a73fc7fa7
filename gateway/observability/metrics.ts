import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { RemoteGraphQLDataSource } from "@apollo/gateway";
import { Counter, Histogram } from "prom-client";
import { createServiceMetrics, DURATION_BUCKETS, type ServiceMetrics } from "../../subgraphs/kit/telemetry/metrics.js";

type Fetcher = RemoteGraphQLDataSource["fetcher"];

/** The gateway's registry: the service metrics of every service, and what only the gateway sees. */
export interface GatewayMetrics extends ServiceMetrics {
  /** Times each call of a subgraph data source (`casegraph_subgraph_fetch_duration_seconds{subgraph, outcome}`). */
  timeFetcher: (fetcher: Fetcher, subgraph: string) => Fetcher;
  /** A request refused by a rate limit (`casegraph_rate_limit_refusals_total{budget}`: user, apiKey, ip). */
  rateLimitRefused: (budget: string) => void;
  /** File bytes streamed to the attachments subgraph (`casegraph_upload_bytes_total`). */
  uploadBytes: (bytes: number) => void;
}

function isTimeout(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError" || code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT");
}

export function createGatewayMetrics(): GatewayMetrics {
  const metrics = createServiceMetrics("gateway");
  const registers = [metrics.registry];
  const fetches = new Histogram({
    name: "casegraph_subgraph_fetch_duration_seconds",
    help: "Calls from the gateway to a subgraph (one per query-plan fetch) by outcome: ok, http_error (non-2xx), timeout, failed (connection)",
    labelNames: ["subgraph", "outcome"],
    buckets: DURATION_BUCKETS,
    registers,
  });
  const refusals = new Counter({ name: "casegraph_rate_limit_refusals_total", help: "Requests refused with 429 RATE_LIMITED, by budget (user, apiKey, ip)", labelNames: ["budget"], registers });
  const uploads = new Counter({ name: "casegraph_upload_bytes_total", help: "File bytes of multipart uploads streamed by the gateway to the attachments subgraph", registers });

  return {
    ...metrics,
    timeFetcher(fetcher, subgraph) {
      return async (...args: Parameters<Fetcher>) => {
        const started = process.hrtime.bigint();
        const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
        try {
          const response = await fetcher(...args);
          fetches.observe({ subgraph, outcome: response.ok ? "ok" : "http_error" }, seconds());
          return response;
        } catch (error) {
          fetches.observe({ subgraph, outcome: isTimeout(error) ? "timeout" : "failed" }, seconds());
          throw error;
        }
      };
    },
    rateLimitRefused: (budget) => refusals.inc({ budget }),
    uploadBytes: (bytes) => uploads.inc(bytes),
  };
}

/** The gateway's own listener for `GET /metrics`, apart from the public port (METRICS_HOST, METRICS_PORT). */
export interface MetricsListener {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (and nothing else: 404) on its own port, so that scraping never shares the port, the
 * load balancer or the rate limits of the public API, and what the metrics reveal (operation names, client
 * names, error rates) stays off it. Binds loopback unless METRICS_HOST says otherwise.
 */
export function serveMetrics(metrics: ServiceMetrics, port: number, host: string): Promise<MetricsListener> {
  const server: Server = createServer((req, res) => {
    if ((req.method === "GET" || req.method === "HEAD") && (req.url ?? "").split("?")[0] === "/metrics") return metrics.scrape(req, res);
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("Not found: this port serves GET /metrics only\n");
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const { port: bound } = server.address() as AddressInfo;
      resolve({
        url: `http://${host.includes(":") ? `[${host}]` : host}:${bound}/metrics`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // A scraper's idle keep-alive connection must not hold the shutdown.
            server.closeAllConnections();
          }),
      });
    });
  });
}
