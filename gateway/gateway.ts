import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { expressMiddleware } from "@as-integrations/express5";
import express, { type Express, type RequestHandler } from "express";
import type { DataSource } from "typeorm";
import { createDataSource, isDatabaseReachable } from "../subgraphs/kit/database.js";
import { closeGracefully } from "../subgraphs/kit/graceful-close.js";
import { graphqlMetricsPlugin } from "../subgraphs/kit/telemetry/graphql-metrics.js";
import { type ServiceMetrics, watchDatabasePool } from "../subgraphs/kit/telemetry/metrics.js";
import { createLogger, type Logger } from "../subgraphs/kit/logger.js";
import { answerMalformedRequests, maskErrors, maskRequestErrors } from "../subgraphs/kit/masked-errors.js";
import type { Principal } from "../subgraphs/kit/principal.js";
import { isSubgraphName } from "../subgraphs/kit/topology.js";
import { ApiKey } from "./access/api-key.entity.js";
import { ApiKeyService } from "./access/api-key.service.js";
import { Partner, PartnerOrganization } from "./access/partner.entity.js";
import { ensureDemoPartners } from "./access/partner.service.js";
import { type Authenticator, createAuthenticator } from "./auth/authenticate.js";
import { createBearerVerifier } from "./auth/bearer-token.js";
import type { GatewayConfig } from "./config.js";
import { explorerRouter } from "./explorer/explorer.js";
import type { GatewayContext } from "./gateway-context.js";
import { DEFAULT_PENDING_LEASE_MS, idempotency } from "./idempotency/idempotency.js";
import { IdempotencyRecord } from "./idempotency/idempotency-record.entity.js";
import { createRecentWriters, readsPrimary } from "./read-your-writes/recent-writers.js";
import { fileDownloads } from "./files/file-downloads.js";
import { IdentityForwardingDataSource } from "./identity-forwarding.js";
import { createGatewayMetrics, type MetricsListener, serveMetrics } from "./observability/metrics.js";
import { gatewayMigrations } from "./migrations/index.js";
import { CaseActivityRelay } from "./relay/case-activity-relay.js";
import { deliverCaseActivityAfterMutations, mutationFieldsOf } from "./relay/deliver-after-mutations.js";
import { ReservationRelay } from "./relay/reservation-relay.js";
import { answerAfterBody } from "./uploads/answer-after-body.js";
import { forwardUploads } from "./uploads/upload-forwarding.js";
import { queryCostPlugin, queryShapeRules, querySizeLimit } from "./protection/query-limits.js";
import { checkJsonBody } from "./protection/json-body.js";
// Clients in the field: persisted operations, validators on query answers (gateway/operations/, gateway/http-cache/).
import { queryEtags } from "./http-cache/query-etags.js";
import { operationPolicy } from "./operations/operation-policy.js";
import { PersistedOperation, PersistedOperationRelease } from "./operations/persisted-operation.entity.js";
import { persistedOnlyUploads, persistedOperations } from "./operations/persisted-operations.js";
import { PersistedOperationsService } from "./operations/persisted-operations.service.js";
import { createResumableUploads, type ResumableUploads, TUS_PATH } from "./uploads/tus-uploads.js";
import { ResumableUpload } from "./uploads/tus-upload.entity.js";
import { createRateLimits } from "./protection/rate-limits.js";
// Live subscriptions: graphql-ws at /graphql, graphql-sse at /graphql/stream, each event resolved as the subscriber (gateway/subscriptions/).
import { gatewayWithSubscriptions, refuseSubscriptionsOverHttp, SSE_PATH } from "./subscriptions/subscription-schema.js";
import { createLiveSubscriptions, type LiveSubscriptions } from "./subscriptions/subscriptions.js";

export const gatewayEntities = [Partner, PartnerOrganization, ApiKey, IdempotencyRecord, PersistedOperation, PersistedOperationRelease, ResumableUpload];

export interface Gateway {
  app: Express;
  dataSource: DataSource;
  logger: Logger;
  /** Delivers the files' confirm/release commands that requests left behind; tests run `relay.runOnce()`. */
  relay: ReservationRelay;
  /** Carries threat activity to the cases; tests run `caseActivityRelay.runOnce()`. */
  caseActivityRelay: CaseActivityRelay;
  /** The gateway's registry (request, subgraph, rate-limit and upload metrics). */
  metrics: ServiceMetrics;
  /** tus uploads at /uploads/tus; tests run `resumableUploads.sweep(now)` themselves. */
  resumableUploads: ResumableUploads;
  /** Live subscriptions; tests run `subscriptions.tailer.poll()` and `subscriptions.credentials.recheck(now)` themselves. */
  subscriptions: LiveSubscriptions;
  listen(port: number, host?: string): Promise<string>;
  /** Serves `GET /metrics` on a port of its own (main.ts: METRICS_HOST, METRICS_PORT); returns its URL. */
  listenMetrics(port: number, host?: string): Promise<string>;
  stop(): Promise<void>;
}

function unauthenticated(res: express.Response): void {
  res.status(401).json({ errors: [{ message: "Send a valid bearer token (Authorization: Bearer ...) or partner API key (X-API-Key)", extensions: { code: "UNAUTHENTICATED" } }] });
}

/**
 * The public entry point: authenticates, plans queries over the committed supergraph, and calls
 * the subgraphs with the caller's identity. Built without listening (tests use it as it is).
 */
export async function createGateway(config: GatewayConfig): Promise<Gateway> {
  const logger = createLogger("gateway", config.logLevel, config.logFile);
  const metrics = createGatewayMetrics();
  const dataSource = createDataSource({ url: config.databaseUrl, sqlitePath: config.sqlitePath, entities: gatewayEntities, migrations: gatewayMigrations });
  watchDatabasePool(metrics, dataSource);
  await dataSource.initialize();
  // The demo partner: development and tests, never production.
  if (config.environment !== "production") await ensureDemoPartners(dataSource);
  const authenticate: Authenticator = createAuthenticator(
    createBearerVerifier({ jwtSecret: config.jwtSecret, jwksUrl: config.jwksUrl, issuer: config.jwtIssuer, audience: config.jwtAudience }),
    new ApiKeyService(dataSource, { logger, rotationGraceSeconds: config.apiKeyRotationGraceSeconds }),
    dataSource,
  );

  const supergraphSdl = readFileSync(config.supergraphPath, "utf8");
  const caseActivityRelay = new CaseActivityRelay({
    casesUrl: config.subgraphUrls.cases!,
    threatsUrl: config.subgraphUrls["threat-analysis"]!,
    identityPrivateKey: config.identityPrivateKey,
    logger,
    timeoutMs: config.subgraphTimeoutMs,
  });
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => {
      // The audience of a subgraph's identity token comes from the topology: an unknown subgraph gets none.
      if (!isSubgraphName(name)) throw new Error(`The supergraph names a subgraph "${name}" that subgraphs/kit/topology.ts does not define`);
      const source = new IdentityForwardingDataSource(name, config.subgraphUrls[name] ?? url!, config.identityPrivateKey, { timeoutMs: config.subgraphTimeoutMs, deduplicate: config.subgraphDeduplication }, logger);
      source.fetcher = metrics.timeFetcher(source.fetcher, name);
      return source;
    },
  });
  const rateLimits = await createRateLimits(config.rateLimits, logger, metrics.rateLimitRefused);
  const subscriptions = await createLiveSubscriptions({
    config: config.subscriptions,
    queryLimits: config.queryLimits,
    casesUrl: config.subgraphUrls.cases!,
    identityPrivateKey: config.identityPrivateKey,
    subgraphTimeoutMs: config.subgraphTimeoutMs,
    redisUrl: config.rateLimits.redisUrl,
    authenticate,
    rateLimits,
    metrics,
    logger,
    maxMessageBytes: config.jsonBodyLimit,
    persistedOnly: operationPolicy(config.operationPolicy, dataSource),
    hideFieldSuggestions: !config.explorer,
  });
  const apollo = new ApolloServer<GatewayContext>({
    // The API schema Apollo validates and introspects carries the Subscription type; the gateway plans the rest.
    gateway: gatewayWithSubscriptions(gateway, (schema) => subscriptions.setSchema(schema)),
    csrfPrevention: true,
    // runService owns SIGTERM/SIGINT: it drains HTTP first, then stops Apollo, then exits.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    // No automatic persisted queries: a request carries its text or the id of a published operation, which
    // `persistedOperations` (gateway/operations/) turns into its text before the limits below check it.
    persistedQueries: false,
    introspection: config.explorer,
    validationRules: queryShapeRules(config.queryLimits),
    // Apollo's own landing pages load from a CDN; the gateway serves its own explorer (gateway/explorer/).
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      queryCostPlugin(config.queryLimits.maxCost),
      refuseSubscriptionsOverHttp(),
      // After a mutation (and the case-activity pass of a threat mutation) the subscriptions read the feed at once.
      deliverCaseActivityAfterMutations(caseActivityRelay, mutationFieldsOf(supergraphSdl, "threat-analysis"), config.caseActivityDeliveryWaitMs, () => subscriptions.afterMutation()),
      graphqlMetricsPlugin(metrics, { byClient: true }),
    ],
    includeStacktraceInErrorResponses: false,
    // Suggestions ("Did you mean ...?") would spell out the schema where introspection is off.
    formatError: maskErrors(logger, { hideFieldSuggestions: !config.explorer }),
  });
  await apollo.start();
  subscriptions.setApollo(apollo);
  const recentWriters = createRecentWriters({ seconds: config.readYourWritesSeconds, redisUrl: config.rateLimits.redisUrl, keyPrefix: config.rateLimits.keyPrefix }, logger);

  const requireIdentity: RequestHandler = async (req, res, next) => {
    if (req.method === "OPTIONS") return next();
    const { principal, ...failure } = await authenticate(req.headers);
    if (!principal) {
      logger.warn({ event: "authentication_failed", ...failure, ip: req.ip, path: req.path }, "authentication failed");
      if (await rateLimits.refuseUnauthenticated(req, res)) return;
      return unauthenticated(res);
    }
    res.locals.principal = principal;
    next();
  };

  const persistedOperationOptions = { operations: new PersistedOperationsService(dataSource, { logger }), persistedOnly: operationPolicy(config.operationPolicy, dataSource), logger };

  const app = express();
  app.disable("x-powered-by");
  // Every request is measured; /metrics itself is served on its own port only (listenMetrics).
  app.use(metrics.measureRequests);
  // Express's own weak ETags hash the body alone, on every answer: query answers get a per-caller strong one (queryEtags), others none.
  app.set("etag", false);
  // req.ip keys the unauthenticated rate limit: believe X-Forwarded-For only from the configured proxies.
  app.set("trust proxy", config.trustProxy);
  app.get("/health", (_req, res) => {
    res.json({ status: "ok", service: "gateway" });
  });
  app.get("/ready", async (_req, res) => {
    const ready = await isDatabaseReachable(dataSource);
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "database unreachable", service: "gateway" });
  });
  if (config.explorer) app.use(explorerRouter());
  const files = fileDownloads({
    attachmentsUrl: config.subgraphUrls.attachments!,
    fileLinkSecret: config.fileLinkSecret,
    identityPrivateKey: config.identityPrivateKey,
    dataSource,
    logger,
    refuseUnauthenticated: (req, res) => rateLimits.refuseUnauthenticated(req, res),
  });
  // The signed link is the credential (gateway/files/): no Authorization header is read.
  app.get("/files/:id", files.checkLink, rateLimits.afterAuthentication, files.stream);
  // Resumable uploads (tus 1.0): the same authentication and per-caller budget as /graphql; finished files go to attachments as uploadAttachments.
  const resumableUploads = createResumableUploads({ config: config.resumableUploads, dataSource, attachmentsUrl: config.subgraphUrls.attachments!, identityPrivateKey: config.identityPrivateKey, logger });
  app.use(TUS_PATH, rateLimits.beforeAuthentication, requireIdentity, rateLimits.afterAuthentication, resumableUploads.handler);
  // Before /graphql, which would match this path too: the same authentication and budget (one point per subscribe).
  app.use(SSE_PATH, rateLimits.beforeAuthentication, requireIdentity, rateLimits.afterAuthentication, express.json({ limit: config.jsonBodyLimit, verify: checkJsonBody() }), subscriptions.sse);
  app.use(
    "/graphql",
    answerAfterBody,
    rateLimits.beforeAuthentication,
    requireIdentity,
    rateLimits.afterAuthentication,
    recentWriters.markUploads,
    forwardUploads({
      attachmentsUrl: config.subgraphUrls.attachments!,
      identityPrivateKey: config.identityPrivateKey,
      apiSchema: () => gateway.schema,
      queryLimits: config.queryLimits,
      logger,
      minBytesPerSecond: config.uploadMinBytesPerSecond,
      rateWindowMs: config.uploadRateWindowSeconds * 1000,
      onFileBytes: metrics.uploadBytes,
      checkOperation: persistedOnlyUploads(persistedOperationOptions),
    }),
    // UTF-8 and nesting are checked on the raw bytes, before JSON.parse builds anything.
    express.json({ limit: config.jsonBodyLimit, verify: checkJsonBody() }),
    // An operation id becomes its published text; persisted-only callers may send nothing else.
    persistedOperations(persistedOperationOptions),
    // Size and token limits before anything else reads the query: the idempotency fingerprint, then Apollo's parse.
    querySizeLimit(config.queryLimits),
    recentWriters.route,
    // A key whose request died unsettled frees up once every subgraph call of that request would have timed out.
    idempotency(dataSource, undefined, { pendingLeaseMs: Math.max(DEFAULT_PENDING_LEASE_MS, 3 * config.subgraphTimeoutMs) }),
    // ETag and Cache-Control on answers to queries; 304 to a GET whose If-None-Match still matches.
    queryEtags(),
    expressMiddleware(apollo, {
      context: async ({ res }) => ({
        principal: res.locals.principal as Principal,
        requestId: randomUUID(),
        identityTokens: new Map(),
        readPrimary: readsPrimary(res),
        idempotencyKey: res.locals.idempotencyKey as string | undefined,
      }),
    }),
  );
  // Keep last: answers errors raised before GraphQL (413, malformed JSON) as JSON, never Express's stack page.
  app.use(maskRequestErrors(logger));

  const relay = new ReservationRelay({
    casesUrl: config.subgraphUrls.cases!,
    attachmentsUrl: config.subgraphUrls.attachments!,
    identityPrivateKey: config.identityPrivateKey,
    logger,
    timeoutMs: config.subgraphTimeoutMs,
  });
  if (config.reservationRelayIntervalSeconds > 0) relay.start(config.reservationRelayIntervalSeconds * 1000);
  if (config.caseActivityRelayIntervalSeconds > 0) caseActivityRelay.start(config.caseActivityRelayIntervalSeconds * 1000);

  let server: Server | undefined;
  let metricsListener: MetricsListener | undefined;
  return {
    app,
    dataSource,
    logger,
    relay,
    caseActivityRelay,
    metrics,
    resumableUploads,
    subscriptions,
    listen(port, host = "127.0.0.1") {
      return new Promise((resolve, reject) => {
        server = app.listen(port, host, (error?: Error) => {
          if (error) return reject(error);
          resolve(`http://${host}:${(server!.address() as AddressInfo).port}/graphql`);
        });
        answerMalformedRequests(server);
        subscriptions.attach(server);
      });
    },
    async listenMetrics(port, host = "127.0.0.1") {
      metricsListener = await serveMetrics(metrics, port, host);
      return metricsListener.url;
    },
    async stop() {
      await metricsListener?.close();
      await relay.stop();
      await caseActivityRelay.stop();
      await resumableUploads.stop();
      // Subscriptions end first: open WebSockets and event streams would hold the server's close.
      await subscriptions.stop();
      await closeGracefully(server);
      await apollo.stop();
      await rateLimits.close();
      await recentWriters.close();
      await dataSource.destroy();
    },
  };
}
