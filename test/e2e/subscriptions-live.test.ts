import { LessThanOrEqual } from "typeorm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ApiKeyService } from "../../gateway/access/api-key.service.js";
import { signDevToken } from "../../gateway/auth/bearer-token.js";
import { demoUser } from "../../gateway/auth/demo-users.js";
import { CaseFeedEventEntity } from "../../subgraphs/cases/case-feed/case-feed-event.entity.js";
import { createLogger } from "../../subgraphs/kit/logger.js";
import { replicaReadsAllowed } from "../../subgraphs/kit/read-routing.js";
import { caseApi } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { startGraph, TEST_JWT_SECRET, type TestGraph } from "../support/graph.js";
import { sseSubscriber, type TestSubscriber, wsSubscriber } from "../support/subscription-clients.js";
import { threatApi } from "../support/threat-api.js";

/** What a client selects of each event: its own fields, and the case through the federated graph (cases and threat-analysis). */
const EVENT_FIELDS = "id sequence type caseId organizationId actor { name role } changes { field oldValue newValue } case { id caseNumber subStatus threatAnalysis { files { verdict } } }";
const CASE_EVENTS = `subscription CaseEvents($caseId: ID!, $after: ID) { caseEvents(caseId: $caseId, after: $after) { ${EVENT_FIELDS} } }`;
const ALL_EVENTS = `subscription AllEvents($after: ID) { allCaseEvents(after: $after) { ${EVENT_FIELDS} } }`;

type Event = { id: string; sequence: number; type: string; caseId: string; organizationId: string; actor: { name: string; role: string }; changes: { field: string; newValue: string | null }[]; case: any };

function eventsOf(results: { data?: any; errors?: unknown }[], field = "caseEvents"): Event[] {
  return results.map((result) => {
    expect(result.errors).toBeUndefined();
    return result.data[field] as Event;
  });
}

/** Live events through the gateway: graphql-ws and graphql-sse, as the subscriber, across subgraphs. */
describe.each(DATABASES)("subscriptions on %s", (database) => {
  let graph: TestGraph;
  let cases: ReturnType<typeof caseApi>;
  let threats: ReturnType<typeof threatApi>;
  let customer: string;
  let engineer: string;
  let otherCustomer: string;
  const clients: TestSubscriber[] = [];

  const ws = (token: string) => {
    const client = wsSubscriber(graph.gatewayUrl, { authorization: `Bearer ${token}` });
    clients.push(client);
    return client;
  };
  const sse = (headers: Record<string, string>) => {
    const client = sseSubscriber(graph.gatewayUrl, headers);
    clients.push(client);
    return client;
  };
  /** Waits (on the hub's own count, not on a clock) until the gateway holds `n` subscriptions, each past its starting point. */
  async function subscribed(n: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    const { hub } = graph.gateway.subscriptions;
    while (hub.size !== n || hub.live !== n) {
      if (Date.now() > deadline) throw new Error(`the gateway holds ${hub.size} subscriptions (${hub.live} live), not ${n}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  async function closeAll(): Promise<void> {
    for (const client of clients.splice(0)) await client.dispose();
    await subscribed(0);
  }
  async function ok<T extends { errors?: unknown }>(response: Promise<T>): Promise<T> {
    const answer = await response;
    expect(answer.errors).toBeUndefined();
    return answer;
  }
  async function createdCase(token = customer): Promise<{ id: string; caseNumber: string }> {
    const input = token === otherCustomer ? { productProfileId: "globex-server", contactName: "Hank Scorpio" } : {};
    return (await ok(cases.create(token, input))).data!.createCase.case;
  }

  beforeAll(async () => {
    // The interval poll is left out of the picture: events arrive by the poll after each mutation (or the test's own).
    graph = await startGraph({ database, env: { CASE_FEED_POLL_INTERVAL_MS: "60000", CASE_ACTIVITY_DELIVERY_WAIT_MS: "5000" } });
    cases = caseApi(graph);
    threats = threatApi(graph);
    customer = await graph.tokenFor("customer@acme.example");
    engineer = await graph.tokenFor("engineer@support.example");
    otherCustomer = await graph.tokenFor("customer@globex.example");
  });
  afterEach(closeAll);
  afterAll(() => graph?.stop());

  it("sends a graphql-ws and a graphql-sse subscriber, in order and with federated fields, the events of an engineer's mutations", async () => {
    const c = await createdCase();
    const overWs = ws(customer).subscribe({ query: CASE_EVENTS, variables: { caseId: c.id } });
    const overSse = sse({ authorization: `Bearer ${customer}` }).subscribe({ query: ALL_EVENTS });
    await subscribed(2);
    const metrics = await graph.gateway.metrics.registry.metrics();
    expect(metrics).toMatch(/^casegraph_subscriptions_open\{transport="ws"[^}]*\} 1$/m);
    expect(metrics).toMatch(/^casegraph_subscriptions_open\{transport="sse"[^}]*\} 1$/m);

    await ok(cases.setSubStatus(engineer, { caseId: c.id, subStatus: "INFORMATION_REQUESTED", comment: "Which agent version?" }));
    await ok(cases.addUpdate(engineer, { caseId: c.id, body: "Please send the agent logs" }));

    for (const [stream, field] of [
      [overWs, "caseEvents"],
      [overSse, "allCaseEvents"],
    ] as const) {
      const [status, update] = eventsOf(await stream.next(2), field);
      expect(status).toMatchObject({ type: "STATUS_CHANGED", caseId: c.id, organizationId: "acme", actor: { name: "Kenji Sato", role: "ENGINEER" } });
      expect(status!.changes).toContainEqual({ field: "subStatus", oldValue: "RECEIVED", newValue: "INFORMATION_REQUESTED" });
      expect(update).toMatchObject({ type: "UPDATE_ADDED", sequence: status!.sequence + 1, actor: { role: "ENGINEER" } });
      expect(BigInt(update!.id)).toBeGreaterThan(BigInt(status!.id));
      // The case is resolved through the graph as the subscriber: the cases subgraph's fields, and threat-analysis's (a product case has none).
      expect(update!.case).toEqual({ id: c.id, caseNumber: c.caseNumber, subStatus: "INFORMATION_REQUESTED", threatAnalysis: null });
    }
  });

  // A replica behind the feed would answer the event null, as for an event the subscriber may not see, and it would never be sent (found by the topology soak).
  it("resolves each event on the cases primary, where the tailer read it, never on a replica", async () => {
    const c = await createdCase();
    const stream = ws(customer).subscribe({ query: CASE_EVENTS, variables: { caseId: c.id } });
    await subscribed(1);
    const { feed } = graph.cases.services;
    const byId = feed.byId.bind(feed);
    const replicaAllowed: boolean[] = [];
    feed.byId = (id) => {
      replicaAllowed.push(replicaReadsAllowed());
      return byId(id);
    };
    try {
      await ok(cases.addUpdate(engineer, { caseId: c.id, body: "Read where the event was." }));
      expect(eventsOf(await stream.next(1))[0]).toMatchObject({ type: "UPDATE_ADDED", caseId: c.id });
    } finally {
      feed.byId = byId;
    }
    expect(replicaAllowed).toEqual([false]);
  });

  it("resolves a threat verdict recorded by an engineer through both subgraphs: the event carries the case's files and their verdicts", async () => {
    const caseId = await threats.createThreatCase(customer);
    const file = await threats.uploadZip(customer, caseId);
    const submitted = await ok(threats.submit(customer, { caseId, attachmentIds: [file.id] }));
    const stream = ws(customer).subscribe({
      query: `subscription($caseId: ID!) { caseEvents(caseId: $caseId, types: [RESULT_RECORDED]) { type changes { field newValue } case { threatAnalysis { files { verdict } } } } }`,
      variables: { caseId },
    });
    await subscribed(1);
    await ok(threats.recordFileVerdict(engineer, { fileAnalysisId: submitted.data!.submitForAnalysis.threatAnalysis.files[0].id, verdict: "DANGEROUS", detectionName: "TROJ_X", patternVersion: "1.0" }));
    const [result] = await stream.next(1);
    expect(result!.errors).toBeUndefined();
    expect(result!.data!.caseEvents).toMatchObject({ type: "RESULT_RECORDED", case: { threatAnalysis: { files: [{ verdict: "DANGEROUS" }] } } });
  });

  it("sends a subscriber of another organization nothing of acme's: the first event it gets is its own organization's", async () => {
    const acmeCase = await createdCase();
    const globex = ws(otherCustomer).subscribe({ query: ALL_EVENTS });
    const globexOnAcmeCase = sse({ authorization: `Bearer ${otherCustomer}` }).subscribe({ query: CASE_EVENTS, variables: { caseId: acmeCase.id } });
    const watcher = ws(engineer).subscribe({ query: ALL_EVENTS });
    await subscribed(3);
    await ok(cases.setSubStatus(engineer, { caseId: acmeCase.id, subStatus: "IN_PROGRESS", comment: "Looking" }));
    await ok(cases.addUpdate(customer, { caseId: acmeCase.id, body: "Thanks" }));
    const globexCase = await createdCase(otherCustomer);
    // The engineer sees all three, in order: the acme events were out before globex's case.
    expect(eventsOf(await watcher.next(3), "allCaseEvents").map((e) => [e.type, e.organizationId])).toEqual([
      ["STATUS_CHANGED", "acme"],
      ["UPDATE_ADDED", "acme"],
      ["CASE_CREATED", "globex"],
    ]);
    const [first] = eventsOf(await globex.next(1), "allCaseEvents");
    expect(first).toMatchObject({ type: "CASE_CREATED", caseId: globexCase.id, organizationId: "globex" });
    // A later event of the acme case, then globex's own: still nothing of acme's reached the globex subscriber.
    await ok(cases.addUpdate(engineer, { caseId: acmeCase.id, body: "Fixed in 14.0.1" }));
    await ok(cases.addUpdate(otherCustomer, { caseId: globexCase.id, body: "Any news?" }));
    expect(eventsOf(await globex.next(1), "allCaseEvents")[0]).toMatchObject({ type: "UPDATE_ADDED", caseId: globexCase.id });
    expect(eventsOf(await watcher.next(2), "allCaseEvents").map((e) => e.caseId)).toEqual([acmeCase.id, globexCase.id]);
    expect(globexOnAcmeCase.results).toEqual([]);
    expect(globex.results).toHaveLength(2);
  });

  it("loses nothing across a reconnect with after: the missed events first, then live ones, without a gap or a duplicate", async () => {
    const c = await createdCase();
    const firstConnection = ws(customer);
    const before = firstConnection.subscribe({ query: CASE_EVENTS, variables: { caseId: c.id } });
    await subscribed(1);
    await ok(cases.setSubStatus(engineer, { caseId: c.id, subStatus: "IN_PROGRESS", comment: "On it" }));
    const [received] = eventsOf(await before.next(1));
    await firstConnection.dispose();
    await subscribed(0);

    // While away: three more events.
    await ok(cases.addUpdate(engineer, { caseId: c.id, body: "One" }));
    await ok(cases.addUpdate(engineer, { caseId: c.id, body: "Two" }));
    await ok(cases.setSubStatus(engineer, { caseId: c.id, subStatus: "SOLUTION_PROVIDED", comment: "Three" }));

    const again = (Math.random() < 0.5 ? ws(customer) : sse({ authorization: `Bearer ${customer}` })).subscribe({ query: CASE_EVENTS, variables: { caseId: c.id, after: received!.id } });
    const missed = eventsOf(await again.next(3));
    expect(missed.map((e) => e.type)).toEqual(["UPDATE_ADDED", "UPDATE_ADDED", "STATUS_CHANGED"]);
    await ok(cases.addUpdate(customer, { caseId: c.id, body: "Live again" }));
    const [live] = eventsOf(await again.next(1));
    const sequences = [received!, ...missed, live!].map((e) => e.sequence);
    expect(sequences).toEqual([0, 1, 2, 3, 4].map((i) => received!.sequence + i));
    expect(live!.type).toBe("UPDATE_ADDED");
  });

  it("refuses an after older than the feed keeps with FEED_CURSOR_EXPIRED", async () => {
    const c = await createdCase();
    await ok(cases.addUpdate(engineer, { caseId: c.id, body: "One" }));
    const feed = graph.cases.dataSource.getRepository(CaseFeedEventEntity);
    const kept = await feed.find({ order: { position: "DESC" }, take: 1 });
    // Retention drops everything up to the newest event but one.
    await feed.delete({ position: LessThanOrEqual(Number(kept[0]!.position) - 1) as never });
    const stream = ws(customer).subscribe({ query: CASE_EVENTS, variables: { caseId: c.id, after: "1" } });
    const ending = await stream.ended();
    expect(ending).toMatchObject({ error: [{ extensions: { code: "FEED_CURSOR_EXPIRED" } }] });
  });

  it("ends a subscription with UNAUTHENTICATED when its token expires, and when its API key is revoked", async () => {
    const shortLived = await signDevToken(demoUser("customer@acme.example")!, TEST_JWT_SECRET, "2m");
    const overWs = ws(shortLived).subscribe({ query: ALL_EVENTS });
    const keys = new ApiKeyService(graph.gateway.dataSource, { logger: createLogger("test", "silent"), rotationGraceSeconds: 0 });
    const issued = await keys.create({ partnerId: "initech", scopes: ["cases:read"] });
    const overSse = sse({ "x-api-key": issued.key }).subscribe({ query: ALL_EVENTS });
    await subscribed(2);

    // A minute on: the token still holds, and so does the key.
    await graph.gateway.subscriptions.credentials.recheck(Date.now() + 60_000);
    expect(graph.gateway.subscriptions.hub.size).toBe(2);
    // Past the token's expiry (the clock moved, nothing slept): its subscription ends; the key's goes on.
    await graph.gateway.subscriptions.credentials.recheck(Date.now() + 121_000);
    expect(await overWs.ended()).toEqual({ completed: true });
    expect(overWs.results.at(-1)!.errors![0]).toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
    expect(graph.gateway.subscriptions.hub.size).toBe(1);

    await keys.revoke(issued.record.id);
    await graph.gateway.subscriptions.credentials.recheck();
    expect(await overSse.ended()).toEqual({ completed: true });
    expect(overSse.results.at(-1)!.errors![0]).toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
    expect(graph.gateway.subscriptions.hub.size).toBe(0);
  });
});

/** What is the same on every database: the schema, the transports' refusals. */
describe("subscriptions at the gateway", () => {
  let graph: TestGraph;
  let customer: string;
  const clients: TestSubscriber[] = [];
  beforeAll(async () => {
    graph = await startGraph({ database: "sqlite", env: { CASE_FEED_POLL_INTERVAL_MS: "60000", QUERY_MAX_DEPTH: "6" } });
    customer = await graph.tokenFor("customer@acme.example");
  });
  afterAll(async () => {
    for (const client of clients) await client.dispose();
    await graph?.stop();
  });

  it("shows the Subscription type in introspection, and refuses a subscription over plain HTTP naming both endpoints", async () => {
    const introspection = await graph.request({ query: '{ __schema { subscriptionType { name fields { name args { name } } } } __type(name: "Subscription") { name } }', token: customer });
    expect(introspection.errors).toBeUndefined();
    expect(introspection.data!.__schema.subscriptionType.fields.map((f: { name: string }) => f.name)).toEqual(["caseEvents", "allCaseEvents"]);
    const overHttp = await graph.request({ query: ALL_EVENTS, token: customer });
    expect(overHttp.status).toBe(400);
    expect(overHttp.errors![0]!.extensions).toMatchObject({ code: "SUBSCRIPTION_TRANSPORT_REQUIRED", websocket: "/graphql", sse: "/graphql/stream" });
  });

  it("checks a subscription as a query at subscribe time (depth), and refuses a connection without a valid credential", async () => {
    const client = wsSubscriber(graph.gatewayUrl, { authorization: `Bearer ${customer}` });
    clients.push(client);
    const deep = client.subscribe({ query: "subscription { allCaseEvents { case { updates(first: 1) { edges { node { attachments { id } } } } } } }" });
    expect(await deep.ended()).toMatchObject({ error: [{ extensions: { code: "QUERY_TOO_COMPLEX", limit: 6 } }] });

    const stranger = wsSubscriber(graph.gatewayUrl, { authorization: "Bearer not-a-token" });
    clients.push(stranger);
    stranger.subscribe({ query: ALL_EVENTS });
    expect(await stranger.closed).toMatchObject({ code: 4401 });
    const sseStranger = await fetch(`${graph.gatewayUrl}/stream`, { method: "POST", headers: { "content-type": "application/json", accept: "text/event-stream" }, body: JSON.stringify({ query: ALL_EVENTS }) });
    expect(sseStranger.status).toBe(401);
    expect(((await sseStranger.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe("UNAUTHENTICATED");
  });
});
