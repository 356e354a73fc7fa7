import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { GraphQLError } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import { ErrorCode } from "../../subgraphs/kit/errors.js";
import type { Logger } from "../../subgraphs/kit/logger.js";
import type { Authenticator } from "../auth/authenticate.js";
import type { RateLimits } from "../protection/rate-limits.js";
import { type CredentialWatch, credentialOf, headersOf } from "./credential-watch.js";
import { type PersistedOnlyCheck, type Preparer, refusePersistedOnly } from "./subscription-document.js";
import { SubscribeRefusal, type Subscriber, type SubscriberSession, type SubscriptionHub } from "./subscription-hub.js";
import { WS_PATH } from "./subscription-schema.js";

/** How long a connection may wait before sending `connection_init`, and the keep-alive ping period. */
const CONNECTION_INIT_TIMEOUT_MS = 10_000;
const KEEP_ALIVE_MS = 12_000;
/** After the subscriptions of an ended session got their UNAUTHENTICATED, the socket closes (4401). */
const CLOSE_AFTER_END_MS = 1_000;

export interface WsTransportOptions {
  hub: SubscriptionHub;
  credentials: CredentialWatch;
  authenticate: Authenticator;
  rateLimits: RateLimits;
  prepare: Preparer;
  persistedOnly?: PersistedOnlyCheck;
  logger: Logger;
  /** Largest message a client may send (the JSON body limit of HTTP requests). */
  maxPayload: number;
}

interface WsExtra extends Record<PropertyKey, unknown> {
  session?: SubscriberSession;
}

function toGraphQLError(refusal: SubscribeRefusal): GraphQLError {
  return new GraphQLError(refusal.error.message, { extensions: refusal.error.extensions });
}

/**
 * graphql-ws (protocol `graphql-transport-ws`) on the gateway's HTTP server at /graphql. The connection
 * authenticates once, in `connection_init`: `connectionParams` carry `authorization` ("Bearer <JWT>") or
 * `x-api-key` (Node clients may send them as headers of the upgrade request instead). Each subscribe
 * spends a point of the caller's rate limit, as a query does.
 */
export function attachWebSockets(server: Server, options: WsTransportOptions): { close(): Promise<void> } {
  const { hub, credentials, authenticate, rateLimits, prepare, logger } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload });
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? "").split("?")[0];
    if (path !== WS_PATH) {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit("connection", ws, request));
  };
  server.on("upgrade", onUpgrade);

  const disposable = useServer<Record<string, unknown> | undefined, WsExtra>(
    {
      connectionInitWaitTimeout: CONNECTION_INIT_TIMEOUT_MS,
      async onConnect(ctx) {
        const params = ctx.connectionParams ?? {};
        const fromParams = credentialOf(params);
        const credential = fromParams.authorization !== undefined || fromParams.apiKey !== undefined ? fromParams : credentialOf(ctx.extra.request.headers);
        const authentication = await authenticate(headersOf(credential));
        if (!authentication.principal) {
          const ip = ctx.extra.request.socket.remoteAddress ?? "unknown";
          logger.warn({ event: "authentication_failed", failure: authentication.failure, ip, path: WS_PATH, transport: "ws" }, "authentication failed");
          await rateLimits.spendUnauthenticated(ip).catch(() => null);
          ctx.extra.socket.close(4401, "Unauthenticated: send authorization (Bearer token) or x-api-key in connectionParams");
          return false;
        }
        const session = hub.openSession(authentication.principal, credential, "ws");
        session.onEnd = (error) => {
          setTimeout(() => ctx.extra.socket.close(4401, error.message.slice(0, 120)), CLOSE_AFTER_END_MS).unref();
        };
        credentials.watch(session);
        ctx.extra.session = session;
        return true;
      },
      async onSubscribe(ctx, _id, payload) {
        const session = ctx.extra.session;
        if (!session) return [new GraphQLError("Unauthenticated", { extensions: { code: ErrorCode.UNAUTHENTICATED } })];
        if (session.ended) return [toGraphQLError(new SubscribeRefusal(session.ended))];
        const limited = await rateLimits.spend(session.principal);
        if (limited) return [new GraphQLError(`Too many requests: try again in ${limited.retryAfter} s`, { extensions: { code: ErrorCode.RATE_LIMITED, retryAfter: limited.retryAfter } })];
        // The client name may come in connectionParams (a browser sets no header on a WebSocket) or as a header.
        const declared = Object.fromEntries(Object.entries(ctx.connectionParams ?? {}).flatMap(([name, value]) => (typeof value === "string" ? [[name.toLowerCase(), value]] : [])));
        const persistedOnly = await refusePersistedOnly(options.persistedOnly, session.principal, { ...ctx.extra.request.headers, ...declared });
        if (persistedOnly) return [persistedOnly];
        const prepared = prepare(payload);
        if ("errors" in prepared) return prepared.errors;
        let subscriber: Subscriber;
        try {
          subscriber = await hub.subscribe(session, prepared);
        } catch (error) {
          if (error instanceof SubscribeRefusal) return [toGraphQLError(error)];
          throw error;
        }
        // graphql-ws runs `subscribe` below with these arguments; the subscriber is already registered.
        return { schema: prepared.schema, document: prepared.document, operationName: payload.operationName, variableValues: payload.variables, contextValue: { subscriber } };
      },
      subscribe: (args) => (args.contextValue as { subscriber: Subscriber }).subscriber,
      // Results come formatted already (Apollo's formatError ran on each event's query): sent as they are.
      onNext: (_ctx, _id, _payload, _args, result) => result,
      onClose(ctx) {
        const session = ctx.extra.session;
        if (!session) return;
        credentials.forget(session);
        hub.endSession(session);
      },
    },
    wss,
    KEEP_ALIVE_MS,
  );

  return {
    async close() {
      server.off("upgrade", onUpgrade);
      for (const client of wss.clients) client.close(1001, "Going away");
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
