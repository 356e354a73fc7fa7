import type { IncomingMessage, ServerResponse } from "node:http";
import { collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { DataSource } from "typeorm";

/** Latency buckets in seconds, from a cached read (a few ms) to the subgraph timeout (10 s) and beyond. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

let processRegistry: Registry | undefined;

/**
 * prom-client's default metrics (CPU, memory, heap, event-loop lag, GC, handles), once per process: the
 * test graph runs four services in one process, and each would otherwise start its own observers.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: "" });
  }
  return processRegistry;
}

/**
 * Label values that come from clients (operation names, client names and versions) or from the code's
 * own vocabulary (error codes): each distinct value is a time series in Prometheus, so only values of a
 * safe shape count, and only the first `limit` of them; any later one is `other`, a malformed one `invalid`.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(
    private readonly limit: number,
    private readonly shape: RegExp = /^[\w.@/:+-]{1,64}$/,
    private readonly missing = "none",
  ) {}

  value(raw: string | null | undefined): string {
    if (raw === undefined || raw === null || raw === "") return this.missing;
    if (!this.shape.test(raw)) return "invalid";
    if (this.seen.has(raw)) return raw;
    if (this.seen.size >= this.limit) return "other";
    this.seen.add(raw);
    return raw;
  }
}

/** One service's metrics: its own Registry (labelled `service`) with the process's default metrics in it. */
export interface ServiceMetrics {
  service: string;
  registry: Registry;
  /** Measures every HTTP request of the service (`casegraph_http_request_duration_seconds`); mount before the routes. */
  measureRequests: (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
  /** Answers a scrape: the registry in Prometheus's text format. */
  scrape: (req: IncomingMessage, res: ServerResponse) => void;
}

/** The route label of a request: the few paths the services serve, `other` for anything else (probes, typos, attacks). */
function routeOf(url: string | undefined): string {
  const path = (url ?? "").split("?")[0]!;
  if (path === "/graphql" || path === "/health" || path === "/ready" || path === "/metrics" || path === "/") return path;
  if (path.startsWith("/files/")) return "/files/:id";
  return "other";
}

const METHODS = new Set(["GET", "POST", "HEAD", "OPTIONS"]);

export function createServiceMetrics(service: string): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  const shared = processMetrics();
  for (const { name } of shared.getMetricsAsArray()) registry.registerMetric(shared.getSingleMetric(name)!);

  const requests = new Histogram({
    name: "casegraph_http_request_duration_seconds",
    help: "HTTP requests by route, method and status (status `aborted`: the connection closed before the answer was complete)",
    labelNames: ["route", "method", "status_code"],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });

  return {
    service,
    registry,
    measureRequests(req, res, next) {
      const started = process.hrtime.bigint();
      // Read now: Express rewrites req.url under a mount path (`/graphql` becomes `/`).
      const route = routeOf(req.url);
      res.once("close", () => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const method = METHODS.has(req.method ?? "") ? req.method! : "other";
        requests.observe({ route, method, status_code: res.writableFinished ? String(res.statusCode) : "aborted" }, seconds);
      });
      next();
    },
    scrape(_req, res) {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { "content-type": registry.contentType, "cache-control": "no-store" });
          res.end(text);
        },
        (error: unknown) => {
          res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
          res.end(`metrics could not be collected: ${error instanceof Error ? error.message : String(error)}\n`);
        },
      );
    },
  };
}

/** What mysql2's pool keeps (private fields, read defensively: a missing one leaves the gauge out). */
interface Mysql2Pool {
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
  config?: { connectionLimit?: number };
}

/**
 * `casegraph_db_pool_connections{state}` of a MySQL DataSource: connections `in_use`, `idle`, requests
 * `waiting` for one, and the pool's `max`. SQLite has no pool (one connection in the process, statements run
 * one at a time): nothing is exported for it.
 */
export function watchDatabasePool(metrics: ServiceMetrics, dataSource: DataSource): void {
  if (dataSource.options.type !== "mysql" && dataSource.options.type !== "mariadb") return;
  new Gauge({
    name: "casegraph_db_pool_connections",
    help: "Database connections of the service's MySQL pool: in_use, idle, waiting (requests queued for a connection) and max",
    labelNames: ["state"],
    registers: [metrics.registry],
    collect() {
      const pool = (dataSource.driver as unknown as { pool?: Mysql2Pool }).pool;
      if (!pool?._allConnections || !pool._freeConnections) return;
      const idle = pool._freeConnections.length;
      this.set({ state: "in_use" }, pool._allConnections.length - idle);
      this.set({ state: "idle" }, idle);
      if (pool._connectionQueue) this.set({ state: "waiting" }, pool._connectionQueue.length);
      if (pool.config?.connectionLimit) this.set({ state: "max" }, pool.config.connectionLimit);
    },
  });
}
