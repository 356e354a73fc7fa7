import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeyService } from "../../gateway/access/api-key.service.js";
import { createLogger } from "../../subgraphs/kit/logger.js";
import { type ExtraGateway, startGatewayOver } from "../support/extra-gateway.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { sseSubscriber, type TestSubscriber, wsSubscriber } from "../support/subscription-clients.js";

const ALL_EVENTS = "subscription { allCaseEvents { id type } }";

/** Limits hold no data of their own: one database is enough (SQLite). */
describe("subscription limits", () => {
  let graph: TestGraph;
  let limited: ExtraGateway;
  const clients: TestSubscriber[] = [];

  beforeAll(async () => {
    graph = await startGraph({ database: "sqlite", env: { SUBSCRIPTIONS_PER_CONNECTION: "2", SUBSCRIPTIONS_PER_PRINCIPAL: "3" } });
    // A replica with a budget of two requests a minute per user (subscribes spend it as queries do), and without introspection.
    limited = await startGatewayOver(graph, { RATE_LIMIT_USER_PER_MINUTE: "2", EXPLORER: "false" });
  });
  afterAll(async () => {
    for (const client of clients) await client.dispose();
    await limited?.stop();
    await graph?.stop();
  });

  async function live(gateway: TestGraph["gateway"], n: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (gateway.subscriptions.hub.live !== n) {
      if (Date.now() > deadline) throw new Error(`${gateway.subscriptions.hub.live} live subscriptions, not ${n}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  it("bounds subscriptions per connection and per user with TOO_MANY_SUBSCRIPTIONS; a completed one frees its place", async () => {
    const token = await graph.tokenFor("customer@acme.example");
    const connection = wsSubscriber(graph.gatewayUrl, { authorization: `Bearer ${token}` });
    clients.push(connection);
    connection.subscribe({ query: ALL_EVENTS });
    connection.subscribe({ query: ALL_EVENTS });
    await live(graph.gateway, 2);
    const third = connection.subscribe({ query: ALL_EVENTS });
    expect(await third.ended()).toMatchObject({ error: [{ extensions: { code: "TOO_MANY_SUBSCRIPTIONS", limit: 2 } }] });

    const other = sseSubscriber(graph.gatewayUrl, { authorization: `Bearer ${token}` });
    clients.push(other);
    other.subscribe({ query: ALL_EVENTS });
    await live(graph.gateway, 3);
    const fourth = other.subscribe({ query: ALL_EVENTS });
    const refused = await fourth.next(1);
    expect(refused[0]!.errors).toMatchObject([{ extensions: { code: "TOO_MANY_SUBSCRIPTIONS", limit: 3 } }]);
    expect(await fourth.ended()).toEqual({ completed: true });

    // Another user is not held by acme's count.
    const engineer = wsSubscriber(graph.gatewayUrl, { authorization: `Bearer ${await graph.tokenFor("engineer@support.example")}` });
    clients.push(engineer);
    engineer.subscribe({ query: ALL_EVENTS });
    await live(graph.gateway, 4);
    await connection.dispose();
    await live(graph.gateway, 2);
    other.subscribe({ query: ALL_EVENTS });
    await live(graph.gateway, 3);
  });

  it("spends a point of the caller's rate limit per subscribe, as a query does: over WebSocket and over SSE", async () => {
    const token = await graph.tokenFor("customer@globex.example");
    const connection = wsSubscriber(limited.url, { authorization: `Bearer ${token}` });
    clients.push(connection);
    connection.subscribe({ query: ALL_EVENTS });
    connection.subscribe({ query: ALL_EVENTS });
    await live(limited.gateway, 2);
    const overBudget = connection.subscribe({ query: ALL_EVENTS });
    expect(await overBudget.ended()).toMatchObject({ error: [{ extensions: { code: "RATE_LIMITED" } }] });
    const overSse = await fetch(`${limited.url}/stream`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: ALL_EVENTS }),
    });
    expect(overSse.status).toBe(429);
    expect(((await overSse.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe("RATE_LIMITED");
  });

  it("refuses a subscription from a caller that runs published operations only: subscriptions are no published operations", async () => {
    const keys = new ApiKeyService(graph.gateway.dataSource, { logger: createLogger("test", "silent"), rotationGraceSeconds: 0 });
    const { key } = await keys.create({ partnerId: "initech", scopes: ["cases:read"], persistedOnly: true });
    const open = graph.gateway.subscriptions.hub.size;
    const overWs = wsSubscriber(graph.gatewayUrl, { "x-api-key": key });
    clients.push(overWs);
    expect(await overWs.subscribe({ query: ALL_EVENTS }).ended()).toMatchObject({ error: [{ extensions: { code: "PERSISTED_QUERY_REQUIRED" } }] });
    const overSse = sseSubscriber(graph.gatewayUrl, { "x-api-key": key });
    clients.push(overSse);
    const refused = overSse.subscribe({ query: ALL_EVENTS });
    expect((await refused.next(1))[0]!.errors).toMatchObject([{ extensions: { code: "PERSISTED_QUERY_REQUIRED" } }]);
    expect(graph.gateway.subscriptions.hub.size).toBe(open);
  });

  it("spells out no schema in its refusals where introspection is off: no field suggestions", async () => {
    const engineer = wsSubscriber(limited.url, { authorization: `Bearer ${await graph.tokenFor("engineer@support.example")}` });
    clients.push(engineer);
    const typo = { query: "subscription { allCaseEvents { typ } }" };
    const ending = (await engineer.subscribe(typo).ended()) as { error: { message: string; extensions: { code: string } }[] };
    expect(ending.error[0]!.extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(ending.error[0]!.message).toBe('Cannot query field "typ" on type "CaseFeedEvent".');
    // Where introspection is on (development), the hint stays.
    const local = wsSubscriber(graph.gatewayUrl, { authorization: `Bearer ${await graph.tokenFor("engineer@support.example")}` });
    clients.push(local);
    expect(((await local.subscribe(typo).ended()) as { error: { message: string }[] }).error[0]!.message).toMatch(/Did you mean "type"/);
  });
});
