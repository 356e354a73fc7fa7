import type { RequestHandler } from "express";
import type { ExecutionResult } from "graphql";
import { createHandler } from "graphql-sse/lib/use/express";
import type { Principal } from "../../subgraphs/kit/principal.js";
import { type CredentialWatch, credentialOf } from "./credential-watch.js";
import { type PersistedOnlyCheck, type Preparer, refusePersistedOnly } from "./subscription-document.js";
import { SubscribeRefusal, type SubscriberSession, type SubscriptionHub } from "./subscription-hub.js";

export interface SseTransportOptions {
  hub: SubscriptionHub;
  credentials: CredentialWatch;
  prepare: Preparer;
  persistedOnly?: PersistedOnlyCheck;
}

/**
 * graphql-sse at /graphql/stream, in its "distinct connections" mode: each request (POST, or GET with the
 * operation in the query string, `Accept: text/event-stream`) is one subscription on its own event stream.
 * Mounted behind the gateway's authentication and rate limit, as /graphql is: the request's
 * Authorization or X-API-Key header is the credential, and each subscribe spends a point of the budget.
 * A refused subscription answers with one `next` carrying the errors, then `complete`.
 */
export function sseHandler(options: SseTransportOptions): RequestHandler {
  const { hub, credentials, prepare } = options;
  const sessions = new WeakMap<object, SubscriberSession>();
  const end = (raw: object) => {
    const session = sessions.get(raw);
    if (!session) return;
    sessions.delete(raw);
    credentials.forget(session);
    hub.endSession(session);
  };
  const handler = createHandler({
    // No stream reservations ("single connection mode"): every request carries its own credential.
    authenticate: () => null,
    async onSubscribe(req, params) {
      const principal = req.context.res.locals.principal as Principal;
      const persistedOnly = await refusePersistedOnly(options.persistedOnly, principal, req.raw.headers);
      if (persistedOnly) return { data: null, errors: [persistedOnly] } as ExecutionResult;
      const prepared = prepare(params);
      if ("errors" in prepared) return { data: null, errors: prepared.errors } as ExecutionResult;
      const session = hub.openSession(principal, credentialOf(req.raw.headers), "sse");
      try {
        const subscriber = await hub.subscribe(session, prepared);
        sessions.set(req.raw, session);
        credentials.watch(session);
        return subscriber;
      } catch (error) {
        hub.endSession(session);
        if (error instanceof SubscribeRefusal) return { data: null, errors: [error.error] } as unknown as ExecutionResult;
        throw error;
      }
    },
    onComplete(_ctx, req) {
      end(req.raw);
    },
  });
  return (req, res, next) => {
    res.once("close", () => end(req));
    handler(req, res).catch(next);
  };
}
