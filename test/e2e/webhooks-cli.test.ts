import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPartner } from "../../gateway/access/partner.service.js";
import { runWebhookCommand } from "../../subgraphs/cases/webhook/webhook.cli.js";
import { WebhookDispatcher } from "../../subgraphs/cases/webhook/webhook.dispatcher.js";
import { caseApi } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";

/** `npm run webhook`: the operator's commands over the cases database, checked against the gateway's partner records. */
describe.each(DATABASES)("npm run webhook on %s", (database) => {
  let graph: TestGraph;
  let receiver: WebhookReceiver;
  const now = new Date();
  const clock = () => now;

  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runWebhookCommand(argv, {
      webhooks: graph.cases.services.webhooks,
      partnerOrganizations: async (id) => (await findPartner(graph.gateway.dataSource, id))?.organizationIds ?? null,
      actor: "tester",
      output: { out: (line) => out.push(line), err: (line) => err.push(line) },
    });
    return { code, out, err: err.join("\n") };
  };

  beforeAll(async () => {
    graph = await startGraph({ database, clock, env: { WEBHOOK_ALLOWED_ADDRESSES: "127.0.0.1" } });
    receiver = await startWebhookReceiver(clock);
  });
  afterAll(async () => {
    await graph?.stop();
    await receiver?.stop();
  });

  it("adds, lists, rotates, shows deliveries, redelivers and removes an endpoint", async () => {
    const added = await run("add", "--partner", "initech", "--url", receiver.url, "--events", "all", "--orgs", "acme", "--contact", "ops@initech.example", "--description", "ticketing bridge");
    expect(added.err).toContain("shown only now");
    expect(added.code).toBe(0);
    expect(added.out).toHaveLength(1);
    expect(added.out[0]).toMatch(/^whsec_/);
    receiver.secrets = [added.out[0]!];

    const listed = await run("list", "--partner", "initech");
    expect(listed.out).toHaveLength(1);
    const id = listed.out[0]!.split("  ")[0]!;
    expect(listed.out[0]).toContain(`ENABLED  ${receiver.url}`);
    expect(listed.out[0]).toContain("orgs=acme");
    expect(listed.out[0]).toContain('description="ticketing bridge"');

    expect((await caseApi(graph).create(await graph.tokenFor("customer@acme.example"))).errors).toBeUndefined();
    const dispatcher = new WebhookDispatcher(graph.cases.dataSource, {
      config: { retryBaseSeconds: 60, disableAfterFailures: 10, timeoutSeconds: 10, leaseSeconds: 120, concurrency: 2, allowedAddresses: ["127.0.0.1"] },
      clock,
    });
    await dispatcher.dispatchDue();
    expect(receiver.received.length).toBeGreaterThan(0);
    expect(receiver.received.every((r) => r.verifiedWith.length === 1)).toBe(true);

    const deliveries = await run("deliveries", id, "--partner", "initech", "--status", "delivered");
    expect(deliveries.code).toBe(0);
    expect(deliveries.out).toHaveLength(receiver.received.length);
    expect(deliveries.out[0]).toMatch(/ {2}DELIVERED {2}event=\d+:[A-Z_]+ {2}case=[0-9a-f-]{36} {2}attempts=1 {2}response=204 {2}latency=\d+ms/);

    const rotated = await run("rotate-secret", id, "--partner", "initech");
    expect(rotated.out[0]).toMatch(/^whsec_/);
    expect(rotated.out[0]).not.toBe(added.out[0]);
    expect(rotated.err).toContain("the old secret keeps signing next to it until");
    receiver.secrets = [added.out[0]!, rotated.out[0]!];

    const deliveryId = deliveries.out[0]!.split("  ")[0]!;
    expect((await run("redeliver", deliveryId, "--partner", "initech")).code).toBe(0);
    const count = receiver.received.length;
    await dispatcher.dispatchDue();
    expect(receiver.received).toHaveLength(count + 1);
    expect(receiver.received.at(-1)!.headers["webhook-id"]).toBe(deliveryId);
    expect(receiver.received.at(-1)!.verifiedWith).toEqual([0, 1]);

    expect((await run("remove", id, "--partner", "initech")).code).toBe(0);
    expect((await run("list", "--partner", "initech")).out).toEqual([]);
  });

  it("refuses what the partner may not do, writing nothing", async () => {
    const globex = await run("add", "--partner", "initech", "--url", "https://hooks.partner.example/in", "--events", "CASE_CREATED", "--orgs", "globex", "--contact", "ops@initech.example");
    expect(globex.code).toBe(1);
    expect(globex.err).toContain("Not an organization this partner may act for: globex");
    const unknown = await run("list", "--partner", "nobody");
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("Unknown partner nobody");
    const metadata = await run("add", "--partner", "initech", "--url", "https://169.254.169.254/", "--events", "CASE_CREATED", "--orgs", "acme", "--contact", "ops@initech.example");
    expect(metadata.code).toBe(1);
    expect(metadata.err).toContain("169.254.169.254 is a loopback");
    const badType = await run("add", "--partner", "initech", "--url", "https://hooks.partner.example/in", "--events", "CASE_EXPLODED", "--orgs", "acme", "--contact", "ops@initech.example");
    expect(badType.err).toContain("Unknown event type CASE_EXPLODED");
    expect((await run("list", "--partner", "initech")).out).toEqual([]);
  });
});
