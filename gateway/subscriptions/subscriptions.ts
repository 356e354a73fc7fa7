import { randomUUID } from "node:crypto";
import type { KeyObject } from "node:crypto";
import type { Server } from "node:http";
import type { ApolloServer } from "@apollo/server";
import type { RequestHandler } from "express";
import { GraphQLError, type GraphQLSchema } from "graphql";
import { Gauge } from "prom-client";
import type { Logger } from "../../subgraphs/kit/logger.js";
import { withoutFieldSuggestions } from "../../subgraphs/kit/masked-errors.js";
import type { ServiceMetrics } from "../../subgraphs/kit/telemetry/metrics.js";
import type { Authenticator } from "../auth/authenticate.js";
import type { GatewayContext } from "../gateway-context.js";
import { type QueryLimits, queryShapeRules } from "../protection/query-limits.js";
import type { RateLimits } from "../protection/rate-limits.js";
import { CaseFeedTailer, casesFeedSource, type FeedSource } from "./case-feed-tailer.js";
import { CredentialWatch } from "./credential-watch.js";
import { createFeedFanout, type FeedFanout } from "./feed-fanout.js";
import { sseHandler } from "./sse-transport.js";
import { type PersistedOnlyCheck, type PreparedSubscription, type Preparer, prepareSubscription } from "./subscription-document.js";
import { type EventExecutor, SubscriptionHub } from "./subscription-hub.js";
import { servesCaseFeed } from "./subscription-schema.js";
import type { SubscriptionsConfig } from "./subscriptions-config.js";
import { attachWebSockets } from "./ws-transport.js";

/** Distinct subscription documents (with their variables) kept checked and parsed, shared by identical subscribers. */
const PREPARED_CACHE_SIZE = 1_000;

export interface LiveSubscriptionsOptions {
  config: SubscriptionsConfig;
  queryLimits: QueryLimits;
  casesUrl: string;
  identityPrivateKey: KeyObject;
  subgraphTimeoutMs: number;
  /** Shares fetched events between gateway replicas when set. */
  redisUrl?: string;
  authenticate: Authenticator;
  rateLimits: RateLimits;
  metrics: ServiceMetrics;
  logger: Logger;
  /** Largest message a WebSocket client may send (the JSON body limit of HTTP requests). */
  maxMessageBytes: number;
  /** Whether a caller runs published operations only (gateway/operations/): such callers cannot subscribe, since no subscription is published. */
  persistedOnly?: PersistedOnlyCheck;
  /** Drops "Did you mean ...?" from refusals where introspection is off, as the gateway's formatError does for queries. */
  hideFieldSuggestions: boolean;
  /** Tests: another feed than the cases subgraph's. */
  source?: FeedSource;
}

/** The gateway's live subscriptions; see `createLiveSubscriptions`. */
export interface LiveSubscriptions {
  hub: SubscriptionHub;
  tailer: CaseFeedTailer;
  credentials: CredentialWatch;
  /** graphql-sse, mounted at /graphql/stream behind authentication and the rate limit. */
  sse: RequestHandler;
  /** The API schema with the Subscription type changed (start-up, supergraph update). */
  setSchema(schema: GraphQLSchema): void;
  /** Runs each event's query through the gateway's Apollo Server, once it exists. */
  setApollo(apollo: ApolloServer<GatewayContext>): void;
  /** A mutation was answered: read the feed now rather than at the next interval. */
  afterMutation(): void;
  /** graphql-ws on the gateway's HTTP server at /graphql. */
  attach(server: Server): void;
  stop(): Promise<void>;
}

/**
 * Subscriptions at the gateway: the feed tailer (polls the cases subgraph; Redis fan-out between replicas
 * when configured), the hub of subscribers, credential checks, and the two transports. Each event is
 * answered by rewriting the subscription into `caseFeedEvent(id:)` and running it through the gateway's
 * Apollo Server with the subscriber's identity, so visibility and limits are exactly those of queries.
 */
export async function createLiveSubscriptions(options: LiveSubscriptionsOptions): Promise<LiveSubscriptions> {
  const { config, logger } = options;
  const source = options.source ?? casesFeedSource({ casesUrl: options.casesUrl, identityPrivateKey: options.identityPrivateKey, timeoutMs: options.subgraphTimeoutMs });
  let fanout: FeedFanout | undefined;
  // Nobody here to tell, and no replica listening on Redis: no call to the cases subgraph. (Called only
  // once the gateway runs, after `hub` below exists.)
  const idle = () => hub.size === 0 && !fanout;
  const tailer = new CaseFeedTailer({ source, logger, intervalMs: config.pollIntervalMs, onFetched: (batch) => fanout?.publish(batch), idle });
  if (options.redisUrl) fanout = await createFeedFanout(options.redisUrl, config.channelPrefix, logger, (batch) => tailer.receive(batch));

  let apollo: ApolloServer<GatewayContext> | undefined;
  const execute: EventExecutor = async (principal, prepared, event) => {
    if (!apollo) throw new Error("the gateway is not started");
    const response = await apollo.executeOperation(
      { query: prepared.query, operationName: prepared.operationName, variables: { ...prepared.variables, [prepared.eventVariable]: event.id } },
      // On the primary, where the tailer read the event: a replica behind it would answer the event null
      // (as if the subscriber could not see it), and the subscriber would never get it.
      { contextValue: { principal, requestId: randomUUID(), identityTokens: new Map(), readPrimary: true } },
    );
    if (response.body.kind !== "single") throw new Error("an event query answered incrementally");
    return response.body.singleResult;
  };

  const open = new Gauge({ name: "casegraph_subscriptions_open", help: "Open GraphQL subscriptions on this gateway, by transport (ws, sse)", labelNames: ["transport"], registers: [options.metrics.registry] });
  open.set({ transport: "ws" }, 0);
  open.set({ transport: "sse" }, 0);
  const hub = new SubscriptionHub({
    tailer,
    source,
    execute,
    logger,
    perPrincipal: config.perPrincipal,
    perConnection: config.perConnection,
    onCount: (transport, delta) => open.inc({ transport }, delta),
  });
  const credentials = new CredentialWatch({ hub, authenticate: options.authenticate, logger, recheckMs: config.credentialRecheckSeconds * 1000 });

  let schema: GraphQLSchema | undefined;
  const shapeRules = queryShapeRules(options.queryLimits);
  const prepared = new Map<string, PreparedSubscription>();
  const prepare: Preparer = (request) => {
    if (!schema?.getSubscriptionType()) return { errors: [new GraphQLError("Subscriptions are not available: the graph does not serve the case feed", { extensions: { code: "SERVICE_UNAVAILABLE" } })] };
    const key = JSON.stringify([request.query, request.variables ?? null, request.operationName ?? null]);
    const known = prepared.get(key);
    if (known && known.schema === schema) return known;
    const result = prepareSubscription(schema, request, options.queryLimits, shapeRules);
    if ("errors" in result) {
      if (!options.hideFieldSuggestions) return result;
      return { errors: result.errors.map((error) => new GraphQLError(withoutFieldSuggestions(error.message), { nodes: error.nodes, extensions: error.extensions })) };
    }
    if (prepared.size >= PREPARED_CACHE_SIZE) prepared.delete(prepared.keys().next().value!);
    prepared.set(key, result);
    return result;
  };

  credentials.start();
  let tailing = false;
  let ws: { close(): Promise<void> } | undefined;
  return {
    hub,
    tailer,
    credentials,
    sse: sseHandler({ hub, credentials, prepare, persistedOnly: options.persistedOnly }),
    setSchema(next) {
      schema = next;
      if (!servesCaseFeed(next)) logger.warn("the supergraph has no caseFeedEvent: subscriptions are refused until it does");
      else if (!tailing) {
        tailing = true;
        tailer.start();
      }
    },
    setApollo(server) {
      apollo = server;
    },
    afterMutation() {
      if (idle()) return;
      tailer.poll().catch((error: unknown) => logger.warn({ err: error }, "case feed poll after a mutation failed; the next poll retries"));
    },
    attach(server) {
      ws = attachWebSockets(server, { hub, credentials, authenticate: options.authenticate, rateLimits: options.rateLimits, prepare, persistedOnly: options.persistedOnly, logger, maxPayload: options.maxMessageBytes });
    },
    async stop() {
      credentials.stop();
      hub.stop();
      await ws?.close();
      await tailer.stop();
      await fanout?.close();
    },
  };
}
