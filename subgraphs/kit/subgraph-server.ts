import { type KeyObject, randomUUID } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { expressMiddleware } from "@as-integrations/express5";
import express, { type Express, type RequestHandler } from "express";
import type { GraphQLSchema } from "graphql";
import type { DataSource } from "typeorm";
import { isDatabaseReachable } from "./database.js";
import { closeGracefully } from "./graceful-close.js";
import { createIdentityVerifier, IDENTITY_HEADER } from "./identity.js";
import { withIdempotencyKey } from "./idempotency.js";
import { IDEMPOTENCY_KEY_HEADER } from "./idempotency-protocol.js";
import type { Logger } from "./logger.js";
import { authorizationAuditPlugin } from "./authorization-audit.js";
import { answerMalformedRequests, maskErrors, maskRequestErrors } from "./masked-errors.js";
import type { Principal } from "./principal.js";
import { routeReads } from "./read-routing.js";
import { whileCallerWaits } from "./transaction.js";
import { graphqlMetricsPlugin } from "./telemetry/graphql-metrics.js";
import { createServiceMetrics, type ServiceMetrics, watchDatabasePool } from "./telemetry/metrics.js";
import type { OutboxMonitor } from "./telemetry/outbox-monitor.js";

/** What every subgraph resolver receives. */
export interface BaseContext {
  principal: Principal;
  /** The gateway-signed token the principal came in, forwarded as it is when this subgraph calls another. */
  identityToken: string;
  requestId: string;
}

export interface SubgraphServerOptions<TContext extends BaseContext> {
  /** Subgraph name; its identity tokens must name it in their audience. */
  name: string;
  schema: GraphQLSchema;
  dataSource: DataSource;
  /** The gateway's public key: verifies identity tokens, cannot sign them. */
  identityPublicKey: KeyObject;
  logger: Logger;
  /** Adds per-request state (DataLoaders, services) to the verified principal. */
  buildContext: (base: BaseContext, req: express.Request) => TContext | Promise<TContext>;
  /** Runs before the GraphQL handler, after identity is verified (the attachments subgraph parses multipart here). */
  beforeGraphQL?: RequestHandler[];
  /** Extra routes, mounted after identity is verified (for example the attachments byte stream). */
  routes?: (app: Express, authenticate: RequestHandler) => void;
  introspection?: boolean;
  jsonBodyLimit?: string;
  /** How long in-flight requests may run on after `stop()` (default 10 s). */
  shutdownGraceMs?: number;
  /** The service's outboxes: their backlog on `/metrics`, and `/ready` says `degraded` when one falls behind. */
  outboxes?: OutboxMonitor;
}

export interface SubgraphServer {
  app: Express;
  apollo: ApolloServer<BaseContext>;
  /** The registry behind `GET /metrics` (internal, like the whole subgraph port). */
  metrics: ServiceMetrics;
  /** Starts listening; port 0 picks a free port. Returns the URL of `/graphql`. */
  listen(port: number, host?: string): Promise<string>;
  stop(): Promise<void>;
}

/** Principal of a request whose identity token was verified by `authenticate`. */
export function principalOf(res: express.Response): Principal {
  return res.locals.principal as Principal;
}

/** The verified identity token of a request, for calls to other subgraphs on the caller's behalf. */
export function identityTokenOf(res: express.Response): string {
  return res.locals.identityToken as string;
}

/**
 * An Express app serving one subgraph: `/health`, `/ready`, and `/graphql` behind the gateway's
 * signed identity token (401 without a valid one, so a subgraph port reached directly grants nothing).
 */
export async function createSubgraphServer<TContext extends BaseContext>(options: SubgraphServerOptions<TContext>): Promise<SubgraphServer> {
  const { name, logger } = options;
  const metrics = createServiceMetrics(name);
  watchDatabasePool(metrics, options.dataSource);
  options.outboxes?.register(metrics);
  const apollo = new ApolloServer<BaseContext>({
    schema: options.schema,
    introspection: options.introspection ?? true,
    csrfPrevention: true,
    // runService owns SIGTERM/SIGINT: it drains HTTP first, then stops Apollo, then exits.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    persistedQueries: false,
    includeStacktraceInErrorResponses: false,
    formatError: maskErrors(logger, { service: name }),
    // No cache-control plugin: nothing sets @cacheControl, and its per-field hook cost every resolved field.
    plugins: [ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginCacheControlDisabled(), authorizationAuditPlugin(logger), graphqlMetricsPlugin(metrics)],
  });
  await apollo.start();

  const verifyIdentity = createIdentityVerifier(name, options.identityPublicKey);
  const authenticate: RequestHandler = async (req, res, next) => {
    const token = req.header(IDENTITY_HEADER);
    const principal = verifyIdentity(token);
    if (!principal) {
      logger.warn({ event: "authentication_failed", reason: "invalid_identity_token", ip: req.ip, path: req.path }, "authentication failed");
      res.status(401).json({ errors: [{ message: "A valid identity token is required", extensions: { code: "UNAUTHENTICATED" } }] });
      return;
    }
    res.locals.principal = principal;
    res.locals.identityToken = token;
    next();
  };

  const app = express();
  app.disable("x-powered-by");
  app.use(metrics.measureRequests);
  // Prometheus scrapes here; the port is internal (never exposed to clients), like /health and /ready.
  app.get("/metrics", metrics.scrape);
  app.get("/health", (_req, res) => {
    res.json({ status: "ok", service: name });
  });
  app.get("/ready", async (_req, res) => {
    const ready = await isDatabaseReachable(options.dataSource);
    if (!ready) return void res.status(503).json({ status: "database unreachable", service: name });
    // An outbox falling behind is degraded service, not unreadiness: the replica still answers (200).
    const degraded = (await options.outboxes?.degraded().catch(() => [])) ?? [];
    res.json(degraded.length ? { status: "degraded", service: name, degraded } : { status: "ready", service: name });
  });
  options.routes?.(app, authenticate);
  app.use(
    "/graphql",
    authenticate,
    express.json({ limit: options.jsonBodyLimit ?? "1mb" }),
    ...(options.beforeGraphQL ?? []),
    // A caller that hangs up before the answer gets no transaction committed (kit/transaction.ts), and a
    // keyed mutation that did commit answers its retry from its receipt (kit/idempotency.ts).
    (req, res, next) => {
      const caller = new AbortController();
      res.on("close", () => {
        if (!res.writableFinished) caller.abort();
      });
      whileCallerWaits(caller.signal, () => withIdempotencyKey(principalOf(res), req.header(IDEMPOTENCY_KEY_HEADER), next));
    },
    // Queries may read from replicas (when the DataSource has any); everything else reads the primary.
    routeReads(),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const requestId = req.header("x-request-id") ?? randomUUID();
        return options.buildContext({ principal: principalOf(res), identityToken: identityTokenOf(res), requestId }, req);
      },
    }),
  );
  // Keep last: errors raised before GraphQL (413, malformed JSON) answer as JSON, never with a stack page.
  app.use(maskRequestErrors(logger));

  let server: Server | undefined;
  return {
    app,
    apollo,
    metrics,
    listen(port, host = "127.0.0.1") {
      return new Promise((resolve, reject) => {
        server = app.listen(port, host, (error?: Error) => {
          if (error) return reject(error);
          const address = server!.address() as AddressInfo;
          resolve(`http://${host}:${address.port}/graphql`);
        });
        answerMalformedRequests(server);
      });
    },
    async stop() {
      await closeGracefully(server, options.shutdownGraceMs);
      await apollo.stop();
    },
  };
}
