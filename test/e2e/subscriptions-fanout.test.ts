import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caseApi } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { type ExtraGateway, startGatewayOver } from "../support/extra-gateway.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { REDIS_AVAILABLE, TEST_REDIS_URL as REDIS_URL } from "../support/redis.js";
import { type TestSubscriber, wsSubscriber } from "../support/subscription-clients.js";

/**
 * Two gateway replicas over one graph, sharing the feed through Redis: an event fetched by one reaches the
 * other's subscribers. Runs when Redis answers, and always under CI=true (test/support/redis.ts).
 */
describe.runIf(REDIS_AVAILABLE).each(DATABASES)("subscriptions across two gateways with Redis on %s", (database) => {
  let graph: TestGraph;
  let b: ExtraGateway;
  const clients: TestSubscriber[] = [];

  beforeAll(async () => {
    // Each run its own channel and rate-limit keys. The timer polls are a minute apart, longer than the test
    // waits, and B answers no mutation: it learns of A's events only through the channel.
    const shared = {
      REDIS_URL,
      SUBSCRIPTION_CHANNEL_PREFIX: `casegraph-test:${randomBytes(4).toString("hex")}`,
      RATE_LIMIT_KEY_PREFIX: `casegraph-test:${randomBytes(4).toString("hex")}`,
      CASE_FEED_POLL_INTERVAL_MS: "60000",
    };
    graph = await startGraph({ database, env: shared });
    b = await startGatewayOver(graph, shared);
  });
  afterAll(async () => {
    for (const client of clients) await client.dispose();
    await b?.stop();
    await graph?.stop();
  });

  it("sends a subscriber on gateway B the events of mutations answered by gateway A, each once and in order", async () => {
    const customer = await graph.tokenFor("customer@acme.example");
    const engineer = await graph.tokenFor("engineer@support.example");
    const api = caseApi(graph);
    const created = await api.create(customer);
    expect(created.errors).toBeUndefined();
    const caseId = created.data!.createCase.case.id as string;

    const client = wsSubscriber(b.url, { authorization: `Bearer ${customer}` });
    clients.push(client);
    const stream = client.subscribe({ query: "subscription($caseId: ID!) { caseEvents(caseId: $caseId) { id sequence type case { subStatus } } }", variables: { caseId } });
    const hubB = b.gateway.subscriptions.hub;
    const deadline = Date.now() + 10_000;
    while (hubB.live !== 1) {
      if (Date.now() > deadline) throw new Error("the subscription on B did not start");
      await new Promise((resolve) => setImmediate(resolve));
    }
    const readsOfB = b.gateway.subscriptions.tailer.head;

    expect((await api.setSubStatus(engineer, { caseId, subStatus: "IN_PROGRESS", comment: "On it" })).errors).toBeUndefined();
    expect((await api.addUpdate(engineer, { caseId, body: "Patch attached" })).errors).toBeUndefined();
    const events = (await stream.next(2)).map((result) => result.data!.caseEvents as { id: string; sequence: number; type: string; case: { subStatus: string } });
    expect(events.map((e) => e.type)).toEqual(["STATUS_CHANGED", "UPDATE_ADDED"]);
    expect(events[1]!.sequence).toBe(events[0]!.sequence + 1);
    // B moved on through what A published: its position is now A's.
    expect(b.gateway.subscriptions.tailer.head).toBe(events[1]!.id);
    expect(b.gateway.subscriptions.tailer.head).not.toBe(readsOfB);
    expect(graph.gateway.subscriptions.tailer.head).toBe(events[1]!.id);
    expect(stream.results).toHaveLength(2);
  });
});
