import type { KeyObject } from "node:crypto";
import { type GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from "@apollo/gateway";
import { createIdentitySigner, IDENTITY_HEADER } from "../subgraphs/kit/identity.js";
import { READ_PRIMARY_HEADER } from "../subgraphs/kit/read-routing.js";
import { identityAudience, type SubgraphName } from "../subgraphs/kit/topology.js";
import { IDEMPOTENCY_KEY_HEADER } from "../subgraphs/kit/idempotency-protocol.js";
import { createLogger, type Logger } from "../subgraphs/kit/logger.js";
import type { Principal } from "../subgraphs/kit/principal.js";
import type { GatewayContext } from "./gateway-context.js";
import { createSubgraphFetcher } from "./subgraph-fetcher.js";
import { subgraphFailure } from "./protection/subgraph-failures.js";

/**
 * Calls one subgraph with the caller's identity, signed for that subgraph and the subgraphs it calls
 * onward with the same token (topology.ts), and gives up after `timeoutMs` so that one slow subgraph
 * cannot hold a whole response.
 */
export class IdentityForwardingDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  /** Signs the caller for this subgraph, reusing a caller's token for a few seconds (createIdentitySigner). */
  private readonly sign: (principal: Principal) => string;

  constructor(
    private readonly subgraph: SubgraphName,
    url: string,
    privateKey: KeyObject,
    private readonly calls: { timeoutMs: number; deduplicate: boolean },
    private readonly logger: Logger = createLogger("gateway"),
  ) {
    super({ url });
    this.fetcher = createSubgraphFetcher(calls.timeoutMs, calls.deduplicate);
    this.sign = createIdentitySigner(identityAudience(subgraph), privateKey);
  }

  /**
   * RemoteGraphQLDataSource's own `process`, less what this gateway never uses (automatic persisted
   * queries, `didReceiveResponse`) and the node-fetch `Request` it builds for every call only to hand it
   * to hooks that ignore it (2% of the gateway's CPU in the benchmark): the same headers, body and
   * `willSendRequest`, the same errors, and the subgraph's Cache-Control restricting the answer's cache policy.
   */
  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): ReturnType<RemoteGraphQLDataSource<GatewayContext>["process"]> {
    const { request } = options;
    const headers = new Headers();
    if (request.http?.headers) for (const [name, value] of request.http.headers) headers.append(name, value);
    headers.set("Content-Type", "application/json");
    request.http = { method: "POST", url: this.url, headers };
    await this.willSendRequest(options);
    if (!request.query) throw new Error("Missing query");
    const { query, http, ...rest } = request;
    const init = { method: http.method, headers: Object.fromEntries(headers), body: JSON.stringify({ query, ...rest }) };
    let response: Awaited<ReturnType<RemoteGraphQLDataSource["fetcher"]>> | undefined;
    let body: object | string;
    try {
      response = await this.fetcher(http.url, init);
      if (!response.ok) throw await this.errorFromResponse(response);
      body = await this.parseBody(response);
      if (typeof body !== "object" || body === null) throw new Error(`Expected JSON response body, but received: ${String(body)}`);
    } catch (error) {
      this.didEncounterError(error as Error);
    }
    const policy = ("incomingRequestContext" in options ? options.incomingRequestContext.overallCachePolicy : undefined) as { restrict?: (hint: CacheHint) => void } | undefined;
    if (this.honorSubgraphCacheControlHeader && policy?.restrict) policy.restrict(cacheHint(response.headers.get("cache-control")));
    return { ...body, http: response };
  }

  /** A failed call (timeout, refused connection, error status) reaches clients naming the service, never its URL or cause. */
  override didEncounterError(error: Error): never {
    throw subgraphFailure(this.subgraph, error, this.calls.timeoutMs, this.logger);
  }

  override async willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    // Only a client's operation has a caller (health checks and schema loading have none, and an untyped context).
    if (!("incomingRequestContext" in options)) return;
    const { request, context } = options;
    const principal = context.principal;
    if (!principal || !request.http) return;
    const tokens = context.identityTokens;
    let token = tokens.get(this.subgraph);
    if (!token) {
      token = this.sign(principal);
      tokens.set(this.subgraph, token);
    }
    request.http.headers.set(IDENTITY_HEADER, token);
    request.http.headers.set("x-request-id", context.requestId);
    if (context.readPrimary) request.http.headers.set(READ_PRIMARY_HEADER, "1");
    // The subgraph that commits a keyed mutation records the key with it, so that a retry after a lost answer is answered, not redone.
    if (context.idempotencyKey && /^\s*mutation\b/.test(request.query ?? "")) request.http.headers.set(IDEMPOTENCY_KEY_HEADER, context.idempotencyKey);
  }
}

interface CacheHint {
  maxAge: number;
  scope?: "PRIVATE" | "PUBLIC";
}

/** The cache hint of a subgraph's Cache-Control header, read as RemoteGraphQLDataSource reads it. */
export function cacheHint(header: string | null | undefined): CacheHint {
  const directives: Record<string, string | true> = {};
  for (const part of header ? header.trim().split(/\s*,\s*/) : []) {
    const [name, value] = part.split(/\s*=\s*/, 2);
    directives[name!] = value === undefined ? true : value.replace(/^"|"$/g, "");
  }
  const hint: CacheHint = { maxAge: 0 };
  const maxAge = directives["max-age"];
  if (typeof maxAge === "string" && /^[0-9]+$/.test(maxAge)) hint.maxAge = +maxAge;
  if (directives.private === true) hint.scope = "PRIVATE";
  if (directives.public === true) hint.scope = "PUBLIC";
  return hint;
}
