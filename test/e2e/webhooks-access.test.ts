import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runApiKeyCommand } from "../../gateway/access/api-key.cli.js";
import { WebhookDispatcher } from "../../subgraphs/cases/webhook/webhook.dispatcher.js";
import { createLogger } from "../../subgraphs/kit/logger.js";
import { addPartner, apiKeyHeader, apiKeysOf } from "../support/api-keys.js";
import { caseApi } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";

const CREATE = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret endpoint { id url organizationIds } } }`;
const INPUT = { eventTypes: ["CASE_CREATED"], organizationIds: ["acme"], contactEmail: "ops@initech.example" };

/** Who may manage webhooks, and where a webhook may never go (SSRF), through the gateway. */
describe.each(DATABASES)("webhook access and SSRF refusals on %s", (database) => {
  let graph: TestGraph;
  let now = new Date();
  const clock = () => now;
  let initech: Record<string, string>;
  let receiver: WebhookReceiver;

  const as = <T = any>(headers: Record<string, string>, query: string, variables: Record<string, unknown> = {}) => graph.request<T>({ query, variables, headers });
  const bearer = async (email: string) => ({ authorization: `Bearer ${await graph.tokenFor(email)}` });
  const register = (headers: Record<string, string>, input: Record<string, unknown>) => as(headers, CREATE, { input: { ...INPUT, ...input } });

  beforeAll(async () => {
    // No WEBHOOK_ALLOWED_ADDRESSES: the production rules.
    graph = await startGraph({ database, clock });
    receiver = await startWebhookReceiver(clock);
    initech = apiKeyHeader((await apiKeysOf(graph).create({ partnerId: "initech", scopes: ["cases:read", "webhooks:manage"] })).key);
  });
  afterAll(async () => {
    await graph?.stop();
    await receiver?.stop();
  });

  it.each([
    ["a plain http URL", "http://hooks.partner.example/in", "url must use https"],
    ["loopback (no allowance configured)", "https://127.0.0.1:8443/in", "127.0.0.1 is a loopback, private, link-local or reserved address"],
    ["the test receiver over http", "RECEIVER", "url must use https"],
    ["the cloud metadata address", "https://169.254.169.254/latest/meta-data/", "169.254.169.254 is a loopback"],
    ["a private address", "https://10.0.0.5/in", "10.0.0.5 is a loopback"],
    ["a private IPv6 address", "https://[fd00::5]/in", "fd00::5 is a loopback"],
    ["IPv4-mapped loopback", "https://[::ffff:127.0.0.1]/in", "is a loopback"],
    ["localhost", "https://localhost:8443/in", "not a public name"],
    ["credentials in the URL", "https://user:secret@hooks.partner.example/in", "user name or password"],
  ])("refuses to register %s with BAD_USER_INPUT", async (_what, url, message) => {
    const response = await register(initech, { url: url === "RECEIVER" ? receiver.url : url });
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "url" });
    expect(response.errors?.[0]?.message).toContain(message);
    expect((await as(initech, "{ webhookEndpoints { id } }")).data!.webhookEndpoints).toEqual([]);
  });

  it("refuses a delivery whose host resolves to loopback or metadata at delivery time (DNS rebinding), without connecting", async () => {
    // The name does not resolve at registration (accepted: its DNS may come later); then it answers a forbidden address.
    const { data, errors } = await register(initech, { url: "https://hooks.rebinding.example/in" });
    expect(errors).toBeUndefined();
    const endpointId = data!.createWebhookEndpoint.endpoint.id as string;
    for (const answer of ["127.0.0.1", "169.254.169.254", "10.1.2.3"]) {
      const dispatcher = new WebhookDispatcher(graph.cases.dataSource, {
        config: { retryBaseSeconds: 1, disableAfterFailures: 100, timeoutSeconds: 10, leaseSeconds: 120, concurrency: 1, allowedAddresses: [] },
        clock,
        resolver: async () => [{ address: answer, family: 4 }],
      });
      now = new Date(now.getTime() + 60_000);
      if (answer === "127.0.0.1") expect((await caseApi(graph).create(await graph.tokenFor("customer@acme.example"))).errors).toBeUndefined();
      await dispatcher.dispatchDue();
      const log = await as(initech, `query($id: ID!) { webhookDeliveries(endpointId: $id) { edges { node { status attempts responseStatus latencyMs lastError } } } }`, { id: endpointId });
      expect(log.data!.webhookDeliveries.edges.map((e: any) => e.node)).toEqual([
        expect.objectContaining({
          status: "PENDING",
          responseStatus: null,
          latencyMs: null,
          lastError: `refused: hooks.rebinding.example resolves to a refused address: ${answer} is a loopback, private, link-local or reserved address`,
        }),
      ]);
    }
    expect(receiver.received).toEqual([]);
  });

  it("needs the webhooks:manage scope, and a partner", async () => {
    const readOnly = apiKeyHeader((await apiKeysOf(graph).create({ partnerId: "initech", scopes: ["cases:read", "cases:write"] })).key);
    for (const headers of [readOnly, await bearer("customer@acme.example"), await bearer("engineer@support.example")]) {
      const listed = await as(headers, "{ webhookEndpoints { id } }");
      expect(listed.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      const created = await register(headers, { url: "https://hooks.partner.example/in" });
      expect(created.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    }
    // Partner staff (bearer token of a partner user) manage their partner's endpoints too.
    const staff = await register(await bearer("staff@initech.example"), { url: "https://hooks.partner.example/staff" });
    expect(staff.errors).toBeUndefined();
  });

  it("keeps each partner to its own endpoints and organizations", async () => {
    await addPartner(graph, "umbrella", ["globex"]);
    const umbrella = apiKeyHeader((await apiKeysOf(graph).create({ partnerId: "umbrella", scopes: ["cases:read", "webhooks:manage"] })).key);
    const foreignOrg = await register(umbrella, { url: "https://hooks.umbrella.example/in", organizationIds: ["acme"] });
    expect(foreignOrg.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "organizationIds" });

    const [initechEndpoint] = (await as(initech, "{ webhookEndpoints { id } }")).data!.webhookEndpoints;
    expect((await as(umbrella, "{ webhookEndpoints { id } }")).data!.webhookEndpoints).toEqual([]);
    for (const [query, variables] of [
      ["mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: { enabled: false }) { id } }", { id: initechEndpoint.id }],
      ["mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { id } }", { id: initechEndpoint.id }],
      ["mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }", { id: initechEndpoint.id }],
      ["query($id: ID!) { webhookDeliveries(endpointId: $id) { edges { node { id } } } }", { id: initechEndpoint.id }],
    ] as const) {
      const response = await as(umbrella, query, variables);
      expect(response.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    }
    // A key of initech limited to fewer organizations than an endpoint covers does not see it either.
    await addPartner(graph, "initech", ["acme", "globex"]);
    const both = await register(initech, { url: "https://hooks.partner.example/both", organizationIds: ["acme", "globex"] });
    expect(both.errors).toBeUndefined();
    const acmeOnly = apiKeyHeader((await apiKeysOf(graph).create({ partnerId: "initech", scopes: ["cases:read", "webhooks:manage"], organizationIds: ["acme"] })).key);
    const seen = (await as(acmeOnly, "{ webhookEndpoints { url } }")).data!.webhookEndpoints.map((e: any) => e.url);
    expect(seen).not.toContain("https://hooks.partner.example/both");
    expect(seen).toContain("https://hooks.rebinding.example/in");
    await addPartner(graph, "initech", ["acme"]);
  });

  it("lets npm run apikey create a key with webhooks:manage", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runApiKeyCommand(["create", "--partner", "initech", "--scopes", "cases:read,webhooks:manage"], {
      keys: apiKeysOf(graph),
      dataSource: graph.gateway.dataSource,
      logger: createLogger("test", "silent"),
      output: { out: (line) => out.push(line), err: (line) => err.push(line) },
    });
    expect(err.join("\n")).toContain("scopes=cases:read,webhooks:manage");
    expect(code).toBe(0);
    const listed = await as(apiKeyHeader(out[0]!), "{ webhookEndpoints { id } }");
    expect(listed.errors).toBeUndefined();
  });
});
