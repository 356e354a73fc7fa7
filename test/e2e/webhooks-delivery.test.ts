import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMailTransport } from "../../subgraphs/cases/notification/mail-transport.js";
import { WebhookDispatcher } from "../../subgraphs/cases/webhook/webhook.dispatcher.js";
import { WebhookDeliveryEntity, WebhookDeliveryStatus } from "../../subgraphs/cases/webhook/webhook.entity.js";
import { addPartner, apiKeyHeader, apiKeysOf } from "../support/api-keys.js";
import { caseApi } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ENDPOINT_FIELDS = "id url status eventTypes organizationIds contactEmail consecutiveFailures disabledReason previousSecretExpiresAt";
const CREATE = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret endpoint { ${ENDPOINT_FIELDS} } } }`;
const DELIVERIES = `query($endpointId: ID!, $status: WebhookDeliveryStatus, $first: Int, $after: String) {
  webhookDeliveries(endpointId: $endpointId, status: $status, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id eventId eventType caseId organizationId status attempts responseStatus latencyMs lastError createdAt lastAttemptAt nextAttemptAt deliveredAt } }
  }
}`;

/** Partner webhooks end to end: registered through the gateway with an API key, filled by the case feed, delivered signed to a real receiver. */
describe.each(DATABASES)("partner webhooks on %s", (database) => {
  let graph: TestGraph;
  let now = new Date();
  const clock = () => now;
  const advance = (ms: number) => (now = new Date(now.getTime() + ms));
  let receiver: WebhookReceiver;
  let other: WebhookReceiver;
  let dispatcher: WebhookDispatcher;
  let initechKey: Record<string, string>;
  let umbrellaKey: Record<string, string>;
  let acme: string;
  let globex: string;
  let engineer: string;
  let api: ReturnType<typeof caseApi>;

  const asKey = <T = any>(headers: Record<string, string>, query: string, variables: Record<string, unknown> = {}) => graph.request<T>({ query, variables, headers });

  async function register(headers: Record<string, string>, url: string, input: Record<string, unknown> = {}) {
    const response = await asKey(headers, CREATE, {
      input: { url, eventTypes: ["CASE_CREATED", "UPDATE_ADDED", "STATUS_CHANGED", "CASE_CLOSED"], organizationIds: ["acme"], contactEmail: "ops@initech.example", ...input },
    });
    expect(response.errors).toBeUndefined();
    return response.data!.createWebhookEndpoint as { secret: string; endpoint: { id: string; status: string; organizationIds: string[] } };
  }

  async function openCase(token: string, input: Record<string, unknown> = {}) {
    advance(1000);
    const response = await api.create(token, input);
    expect(response.errors).toBeUndefined();
    return response.data!.createCase.case as { id: string; caseNumber: string };
  }

  async function deliveriesOf(headers: Record<string, string>, endpointId: string, variables: Record<string, unknown> = {}) {
    const response = await asKey(headers, DELIVERIES, { endpointId, first: 100, ...variables });
    expect(response.errors).toBeUndefined();
    return response.data!.webhookDeliveries.edges.map((edge: any) => edge.node) as any[];
  }

  beforeAll(async () => {
    graph = await startGraph({ database, clock, env: { WEBHOOK_ALLOWED_ADDRESSES: "127.0.0.1" } });
    receiver = await startWebhookReceiver(clock);
    other = await startWebhookReceiver(clock);
    dispatcher = new WebhookDispatcher(graph.cases.dataSource, {
      config: { retryBaseSeconds: 60, disableAfterFailures: 4, timeoutSeconds: 10, leaseSeconds: 120, concurrency: 4, allowedAddresses: ["127.0.0.1"] },
      mail: { transport: createMailTransport({ directory: join(graph.dataDir, "mail") }), from: "Support Portal <no-reply@support.example>" },
      clock,
    });
    await addPartner(graph, "umbrella", ["globex"]);
    initechKey = apiKeyHeader((await apiKeysOf(graph).create({ partnerId: "initech", scopes: ["cases:read", "webhooks:manage"] })).key);
    umbrellaKey = apiKeyHeader((await apiKeysOf(graph).create({ partnerId: "umbrella", scopes: ["cases:read", "webhooks:manage"] })).key);
    api = caseApi(graph);
    acme = await graph.tokenFor("customer@acme.example");
    globex = await graph.tokenFor("customer@globex.example");
    engineer = await graph.tokenFor("engineer@support.example");
  });
  afterAll(async () => {
    await graph?.stop();
    await receiver?.stop();
    await other?.stop();
  });

  it("delivers each event of the partner's organizations, signed (Standard Webhooks), with its case sequence; none of another organization", async () => {
    const { secret, endpoint } = await register(initechKey, receiver.url);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(endpoint).toMatchObject({ status: "ENABLED", organizationIds: ["acme"] });
    receiver.secrets = [secret];
    const umbrella = await register(umbrellaKey, other.url, { organizationIds: ["globex"], eventTypes: ["CASE_CREATED"] });
    other.secrets = [umbrella.secret];

    const acmeCase = await openCase(acme);
    const globexCase = await openCase(globex, { productProfileId: "globex-server", contactName: "Hank Scorpio" });
    advance(1000);
    expect((await api.addUpdate(engineer, { caseId: acmeCase.id, body: "Please send the agent logs." })).errors).toBeUndefined();
    advance(1000);
    expect((await api.addUpdate(acme, { caseId: acmeCase.id, body: "Attached." })).errors).toBeUndefined();

    const summary = await dispatcher.dispatchDue();
    expect(summary).toMatchObject({ retried: 0, failed: 0 });

    // initech (acme): the acme case's events, in feed order, each verified with the endpoint's secret.
    expect(receiver.received.length).toBeGreaterThanOrEqual(3);
    expect(receiver.received.every((r) => r.verifiedWith.includes(0))).toBe(true);
    expect(new Set(receiver.received.map((r) => r.payload.data.organizationId))).toEqual(new Set(["acme"]));
    expect(receiver.received.map((r) => r.payload.data.caseId)).toEqual(receiver.received.map(() => acmeCase.id));
    expect(receiver.received[0]!.payload).toMatchObject({ type: "CASE_CREATED", data: { type: "CASE_CREATED", caseId: acmeCase.id, sequence: 1, organizationId: "acme" } });
    // The actor as clients see actors: no e-mail address leaves the cases database.
    expect(Object.keys(receiver.received[0]!.payload.data.actor).sort()).toEqual(["id", "name", "role"]);
    expect(receiver.received.map((r) => r.payload.data.sequence)).toEqual(receiver.received.map((_, i) => receiver.received[0]!.payload.data.sequence + i));
    expect(receiver.received.filter((r) => r.payload.type === "UPDATE_ADDED")).toHaveLength(2);
    for (const r of receiver.received) {
      expect(r.headers["content-type"]).toBe("application/json");
      expect(r.headers["webhook-timestamp"]).toBe(String(Math.floor(now.getTime() / 1000)));
    }
    // umbrella (globex, CASE_CREATED only): exactly the globex case's creation.
    expect(other.received.map((r) => [r.payload.type, r.payload.data.caseId])).toEqual([["CASE_CREATED", globexCase.id]]);
    expect(other.received[0]!.verifiedWith).toEqual([0]);

    // The delivery log: DELIVERED with the answer's status and latency; the webhook-id header is the delivery's id.
    const log = await deliveriesOf(initechKey, endpoint.id);
    expect(log).toHaveLength(receiver.received.length);
    expect(log.every((d) => d.status === "DELIVERED" && d.responseStatus === 204 && d.attempts === 1 && d.latencyMs >= 0 && d.deliveredAt && d.nextAttemptAt === null)).toBe(true);
    expect(new Set(log.map((d) => d.id))).toEqual(new Set(receiver.received.map((r) => r.headers["webhook-id"])));
    expect(new Set(log.map((d) => d.eventId))).toEqual(new Set(receiver.received.map((r) => r.payload.data.id)));

    // Nothing left: a second pass sends nothing again.
    const before = receiver.received.length;
    await dispatcher.dispatchDue();
    expect(receiver.received).toHaveLength(before);
  });

  it("pages the delivery log newest first and filters it by status", async () => {
    const [endpoint] = (await asKey(initechKey, `{ webhookEndpoints { id } }`)).data!.webhookEndpoints;
    const all = await deliveriesOf(initechKey, endpoint.id);
    const first = await asKey(initechKey, DELIVERIES, { endpointId: endpoint.id, first: 2 });
    const page1 = first.data!.webhookDeliveries;
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = (await asKey(initechKey, DELIVERIES, { endpointId: endpoint.id, first: 100, after: page1.pageInfo.endCursor })).data!.webhookDeliveries;
    expect([...page1.edges, ...page2.edges].map((e: any) => e.node.id)).toEqual(all.map((d) => d.id));
    expect(all.map((d) => d.createdAt)).toEqual([...all.map((d) => d.createdAt)].sort().reverse());
    expect(await deliveriesOf(initechKey, endpoint.id, { status: "FAILED" })).toEqual([]);
  });

  it("retries a failing receiver with exponential backoff on the moved clock, then disables the endpoint, audits it and e-mails its contact", async () => {
    const failing = await startWebhookReceiver(clock);
    try {
      failing.status = 500;
      const warnings: Record<string, unknown>[] = [];
      const { secret, endpoint } = await register(initechKey, failing.url, { eventTypes: ["CASE_CREATED"], contactEmail: "webhooks@initech.example" });
      failing.secrets = [secret];
      await openCase(acme);
      await openCase(acme);

      // 1st attempt fails: the endpoint backs off 60 s, and its second delivery (another case) waits with the first.
      // (One request at a time here, so that the second case does not go out side by side with the first.)
      const dispatcher = new WebhookDispatcher(graph.cases.dataSource, {
        config: { retryBaseSeconds: 60, disableAfterFailures: 4, timeoutSeconds: 10, leaseSeconds: 120, concurrency: 1, allowedAddresses: ["127.0.0.1"] },
        mail: { transport: createMailTransport({ directory: join(graph.dataDir, "mail") }), from: "Support Portal <no-reply@support.example>" },
        clock,
        logger: { info: () => undefined, error: () => undefined, warn: (details) => warnings.push(details as Record<string, unknown>) },
      });
      await dispatcher.dispatchDue();
      expect(failing.received).toHaveLength(1);
      expect(failing.received[0]!.verifiedWith).toEqual([0]);
      await dispatcher.dispatchDue();
      expect(failing.received).toHaveLength(1);
      let log = await deliveriesOf(initechKey, endpoint.id);
      expect(log.map((d) => d.status)).toEqual(["PENDING", "PENDING"]);
      const tried = log.find((d) => d.attempts === 1)!;
      expect(tried).toMatchObject({ responseStatus: 500, lastError: "HTTP 500: receiver says no" });
      expect(new Date(tried.nextAttemptAt).getTime() - new Date(tried.lastAttemptAt).getTime()).toBe(60_000);
      expect(log.find((d) => d.attempts === 0)!.nextAttemptAt).toBe(tried.nextAttemptAt);

      // 59 s later: still waiting. At 60 s: the 2nd attempt, and the delay doubles (120 s), then 240 s.
      advance(59_000);
      await dispatcher.dispatchDue();
      expect(failing.received).toHaveLength(1);
      advance(1_000);
      await dispatcher.dispatchDue();
      expect(failing.received).toHaveLength(2);
      log = await deliveriesOf(initechKey, endpoint.id);
      const second = log.find((d) => d.lastAttemptAt === now.toISOString())!;
      expect(new Date(second.nextAttemptAt).getTime() - now.getTime()).toBe(120_000);
      advance(120_000);
      await dispatcher.dispatchDue();
      expect(failing.received).toHaveLength(3);
      // The same delivery keeps its webhook-id across retries.
      const ids = failing.received.map((r) => r.headers["webhook-id"]);
      expect(new Set(ids).size).toBeLessThanOrEqual(2);

      // The 4th consecutive failure (WEBHOOK_DISABLE_AFTER_FAILURES here) disables it; nothing more is sent.
      advance(240_000);
      const summary = await dispatcher.dispatchDue();
      expect(summary).toMatchObject({ disabled: 1, notices: 1 });
      expect(failing.received).toHaveLength(4);
      const [disabled] = (await asKey(initechKey, `{ webhookEndpoints { ${ENDPOINT_FIELDS} } }`)).data!.webhookEndpoints.filter((e: any) => e.id === endpoint.id);
      expect(disabled).toMatchObject({ status: "DISABLED", consecutiveFailures: 4 });
      expect(disabled.disabledReason).toContain("disabled after 4 consecutive failed deliveries; the last: HTTP 500");
      // The audit line: one, naming the partner, the endpoint and why.
      expect(warnings.filter((line) => line.event === "webhook_endpoint_disabled")).toEqual([
        expect.objectContaining({ actor: "webhook-dispatcher", partnerId: "initech", endpointId: endpoint.id, consecutiveFailures: 4, lastError: "HTTP 500: receiver says no" }),
      ]);
      advance(HOUR);
      await dispatcher.dispatchDue();
      expect(failing.received).toHaveLength(4);

      // The contact's e-mail, written once through the mail transport.
      const mails = readdirSync(join(graph.dataDir, "mail")).filter((name) => name.includes("webhook"));
      expect(mails).toHaveLength(1);
      const text = readFileSync(join(graph.dataDir, "mail", mails[0]!), "utf8");
      expect(text).toMatch(/^To: webhooks@initech\.example$/m);
      expect(text).toContain("Subject: Webhook endpoint disabled");
      expect(text).toContain(endpoint.id);

      // Enabled again by the partner, it gets what waited, and redelivery sends a delivered one again with the same id.
      failing.status = 200;
      const enabled = await asKey(initechKey, `mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: { enabled: true }) { status consecutiveFailures } }`, { id: endpoint.id });
      expect(enabled.data!.updateWebhookEndpoint).toEqual({ status: "ENABLED", consecutiveFailures: 0 });
      await dispatcher.dispatchDue();
      log = await deliveriesOf(initechKey, endpoint.id);
      expect(log.map((d) => d.status)).toEqual(["DELIVERED", "DELIVERED"]);
      const count = failing.received.length;
      const again = await asKey(initechKey, `mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { id status } }`, { id: log[0].id });
      expect(again.data!.redeliverWebhook).toEqual({ id: log[0].id, status: "PENDING" });
      await dispatcher.dispatchDue();
      expect(failing.received).toHaveLength(count + 1);
      expect(failing.received.at(-1)!.headers["webhook-id"]).toBe(log[0].id);
      expect(failing.received.at(-1)!.verifiedWith).toEqual([0]);
    } finally {
      await failing.stop();
    }
  });

  it("gives a delivery up (FAILED) once its retries run past WEBHOOK_RETRY_HOURS, and treats a redirect as a failure", async () => {
    const redirecting = await startWebhookReceiver(clock);
    try {
      redirecting.status = 301;
      redirecting.answerHeaders = { location: receiver.url };
      const { secret, endpoint } = await register(initechKey, redirecting.url, { eventTypes: ["CASE_CREATED"] });
      redirecting.secrets = [secret];
      // A dispatcher that never disables: only the retry limit ends this delivery's retries.
      const patient = new WebhookDispatcher(graph.cases.dataSource, {
        config: { retryBaseSeconds: 60, disableAfterFailures: 1000, timeoutSeconds: 10, leaseSeconds: 120, concurrency: 4, allowedAddresses: ["127.0.0.1"] },
        clock,
      });
      const followedBefore = receiver.received.length;
      await openCase(acme);
      await patient.dispatchDue();
      expect(redirecting.received).toHaveLength(1);
      let [delivery] = await deliveriesOf(initechKey, endpoint.id);
      expect(delivery).toMatchObject({ status: "PENDING", responseStatus: 301, lastError: "HTTP 301 (redirects are not followed)" });
      // The redirect was not followed: the Location's receiver got nothing from it.
      expect(receiver.received.slice(followedBefore).map((r) => r.headers["webhook-id"])).not.toContain(delivery.id);
      redirecting.status = 503;
      let attempts = 1;
      for (let step = 0; step < 60 && delivery.status === "PENDING"; step++) {
        now = new Date(Math.max(now.getTime(), new Date(delivery.nextAttemptAt).getTime()));
        await patient.dispatchDue();
        [delivery] = await deliveriesOf(initechKey, endpoint.id);
        attempts++;
      }
      // 60 s, 120 s, ... capped at one hour: about 30 attempts in 24 hours.
      expect(attempts).toBeGreaterThan(20);
      expect(delivery.attempts).toBe(attempts);
      expect(delivery.status).toBe("FAILED");
      expect(delivery.lastError).toBe("HTTP 503: receiver says no");
      expect(new Date(delivery.lastAttemptAt).getTime() - new Date(delivery.createdAt).getTime()).toBeGreaterThan(23 * HOUR);
      expect(new Date(delivery.lastAttemptAt).getTime() - new Date(delivery.createdAt).getTime()).toBeLessThanOrEqual(24 * HOUR);
    } finally {
      await redirecting.stop();
    }
  });

  it("signs with the old and the new secret while they overlap after a rotation, then with the new one alone", async () => {
    const rotating = await startWebhookReceiver(clock);
    try {
      const { secret: old, endpoint } = await register(initechKey, rotating.url, { eventTypes: ["CASE_CREATED"] });
      const rotated = await asKey(initechKey, `mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret endpoint { previousSecretExpiresAt } } }`, { id: endpoint.id });
      expect(rotated.errors).toBeUndefined();
      const fresh = rotated.data!.rotateWebhookSecret.secret as string;
      expect(fresh).not.toBe(old);
      expect(rotated.data!.rotateWebhookSecret.endpoint.previousSecretExpiresAt).toBe(new Date(now.getTime() + 24 * HOUR).toISOString());
      rotating.secrets = [old, fresh];

      await openCase(acme);
      await dispatcher.dispatchDue();
      expect(rotating.received).toHaveLength(1);
      expect(rotating.received[0]!.verifiedWith).toEqual([0, 1]);
      expect(String(rotating.received[0]!.headers["webhook-signature"]).split(" ")).toHaveLength(2);

      advance(24 * HOUR + 1000);
      await openCase(acme);
      await dispatcher.dispatchDue();
      expect(rotating.received).toHaveLength(2);
      expect(rotating.received[1]!.verifiedWith).toEqual([1]);
      expect(String(rotating.received[1]!.headers["webhook-signature"]).split(" ")).toHaveLength(1);
    } finally {
      await rotating.stop();
    }
  });

  it("delivers each event once with two dispatchers (replicas) racing; one dispatcher keeps each case's order while cases go side by side", async () => {
    const busy = await startWebhookReceiver(clock);
    try {
      const { secret } = await register(initechKey, busy.url, { eventTypes: ["CASE_CREATED", "UPDATE_ADDED"] });
      busy.secrets = [secret];
      const cases = [];
      for (let i = 0; i < 4; i++) cases.push(await openCase(acme));
      for (let round = 0; round < 3; round++) {
        for (const c of cases) {
          advance(1000);
          expect((await api.addUpdate(acme, { caseId: c.id, body: `Note ${round}` })).errors).toBeUndefined();
        }
      }
      const replica = () =>
        new WebhookDispatcher(graph.cases.dataSource, {
          config: { retryBaseSeconds: 60, disableAfterFailures: 4, timeoutSeconds: 10, leaseSeconds: 120, concurrency: 4, allowedAddresses: ["127.0.0.1"] },
          clock,
          batchSize: 5,
        });
      const received = receiver.received.length;
      const [a, b] = await Promise.all([replica().dispatchDue(), replica().dispatchDue()]);
      // Every attempt of the two passes delivered something once (here and to the endpoint of the first test).
      expect(a.delivered + b.delivered).toBe(16 + receiver.received.length - received);
      expect(busy.received).toHaveLength(16);
      expect(new Set(busy.received.map((r) => r.headers["webhook-id"])).size).toBe(16);
      expect(busy.received.every((r) => r.verifiedWith.length === 1)).toBe(true);
      // Replicas split a case's events between them, so its order across them is not kept: its sequence numbers are (1, 2, 3, 4, no gap).
      for (const c of cases) {
        const sequences = busy.received.filter((r) => r.payload.data.caseId === c.id).map((r) => r.payload.data.sequence);
        expect([...sequences].sort((x, y) => x - y)).toEqual([1, 2, 3, 4]);
      }
      // One dispatcher keeps each case's order while it sends the cases side by side.
      busy.received.length = 0;
      for (let round = 0; round < 3; round++) {
        for (const c of cases) {
          advance(1000);
          expect((await api.addUpdate(acme, { caseId: c.id, body: `More ${round}` })).errors).toBeUndefined();
        }
      }
      await replica().dispatchDue();
      expect(busy.received).toHaveLength(12);
      for (const c of cases) {
        const sequences = busy.received.filter((r) => r.payload.data.caseId === c.id).map((r) => r.payload.data.sequence);
        expect(sequences).toEqual([5, 6, 7]);
      }
    } finally {
      await busy.stop();
    }
  });

  it("writes one delivery per endpoint and event, in the transaction of the event", async () => {
    const rows = await graph.cases.dataSource.getRepository(WebhookDeliveryEntity).find();
    const pairs = rows.map((row) => `${row.endpointId}/${row.eventId}`);
    expect(new Set(pairs).size).toBe(pairs.length);
    const [endpoint] = (await asKey(umbrellaKey, `{ webhookEndpoints { id } }`)).data!.webhookEndpoints;
    const globexCase = await openCase(globex, { productProfileId: "globex-server", contactName: "Hank Scorpio" });
    const forCase = await graph.cases.dataSource.getRepository(WebhookDeliveryEntity).findBy({ caseId: globexCase.id });
    // Umbrella's endpoint (globex, CASE_CREATED): one row, written with the case; none for initech's acme endpoints.
    expect(forCase.map((row) => [row.endpointId, row.eventType, row.status])).toEqual([[endpoint.id, "CASE_CREATED", "PENDING"]]);
  });

  it("forgets finished deliveries after the feed's retention, keeping pending ones", async () => {
    const repository = graph.cases.dataSource.getRepository(WebhookDeliveryEntity);
    const pending = await repository.countBy({ status: WebhookDeliveryStatus.PENDING });
    const finished = (await repository.count()) - pending;
    expect(pending).toBeGreaterThan(0);
    expect(finished).toBeGreaterThan(0);
    const oldest = (await repository.find({ order: { createdAt: "ASC" }, take: 1 }))[0]!.createdAt;
    // 7 days after the oldest delivery, it is not older than 7 days yet; a second later every finished one written up to now is.
    expect(await graph.cases.services.webhooks.prune(new Date(oldest.getTime() + 7 * 24 * HOUR), 7)).toBe(0);
    expect(await graph.cases.services.webhooks.prune(new Date(now.getTime() + 7 * 24 * HOUR + 1000), 7)).toBe(finished);
    expect(await repository.count()).toBe(pending);
  });
});
