import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookDispatcher } from "../../subgraphs/cases/webhook/webhook.dispatcher.js";
import { apiKeyHeader, apiKeysOf } from "../support/api-keys.js";
import { caseApi } from "../support/case-api.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { serviceBuild } from "../support/service-build.js";

/** The receiver's printed lines, as they come. */
function linesOf(child: ChildProcess): { lines: string[]; next: (match: RegExp) => Promise<string> } {
  const lines: string[] = [];
  const waiting: { match: RegExp; resolve: (line: string) => void }[] = [];
  let partial = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    partial += chunk.toString("utf8");
    const complete = partial.split("\n");
    partial = complete.pop()!;
    for (const line of complete) {
      lines.push(line);
      for (const w of waiting.filter((w) => w.match.test(line))) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  return {
    lines,
    next: (match) => {
      const found = lines.find((line) => match.test(line));
      return found ? Promise.resolve(found) : new Promise((resolve) => waiting.push({ match, resolve }));
    },
  };
}

describe("examples/webhook-receiver.ts receiving from a started graph", () => {
  let graph: TestGraph;
  let receiver: ChildProcess;
  let output: ReturnType<typeof linesOf>;
  let stderr = "";
  let url: string;
  let secret: string;

  beforeAll(async () => {
    const [started, dist] = await Promise.all([startGraph({ database: "sqlite", env: { WEBHOOK_ALLOWED_ADDRESSES: "127.0.0.1" } }), serviceBuild()]);
    graph = started;
    const key = apiKeyHeader((await apiKeysOf(graph).create({ partnerId: "initech", scopes: ["cases:read", "webhooks:manage"] })).key);
    // Registered first with a placeholder URL, to learn the secret the receiver starts with; then pointed at the receiver.
    const created = await graph.request<any>({
      query: `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret endpoint { id } } }`,
      variables: { input: { url: "https://hooks.partner.example/webhooks", eventTypes: ["CASE_CREATED", "UPDATE_ADDED"], organizationIds: ["acme"], contactEmail: "ops@initech.example" } },
      headers: key,
    });
    expect(created.errors).toBeUndefined();
    secret = created.data!.createWebhookEndpoint.secret;
    receiver = spawn(process.execPath, [join(dist, "examples", "webhook-receiver.js")], { env: { PATH: process.env.PATH ?? "", WEBHOOK_SECRET: secret, PORT: "0" }, stdio: ["ignore", "pipe", "pipe"] });
    receiver.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    output = linesOf(receiver);
    url = (await output.next(/^listening on /)).replace("listening on ", "");
    const moved = await graph.request<any>({
      query: `mutation($id: ID!, $url: String!) { updateWebhookEndpoint(id: $id, input: { url: $url }) { url } }`,
      variables: { id: created.data!.createWebhookEndpoint.endpoint.id, url },
      headers: key,
    });
    expect(moved.errors).toBeUndefined();
  }, 120_000);
  afterAll(async () => {
    if (receiver && receiver.exitCode === null) {
      receiver.kill();
      await once(receiver, "exit");
    }
    await graph?.stop();
  });

  it("verifies, prints each event once with its case sequence, and refuses a forged one", async () => {
    const acme = await graph.tokenFor("customer@acme.example");
    const created = await caseApi(graph).create(acme);
    expect(created.errors).toBeUndefined();
    const caseId = created.data!.createCase.case.id as string;
    expect((await caseApi(graph).addUpdate(acme, { caseId, body: "More details." })).errors).toBeUndefined();
    const dispatcher = new WebhookDispatcher(graph.cases.dataSource, {
      config: { retryBaseSeconds: 60, disableAfterFailures: 10, timeoutSeconds: 10, leaseSeconds: 120, concurrency: 2, allowedAddresses: ["127.0.0.1"] },
    });
    const summary = await dispatcher.dispatchDue();
    expect(summary).toMatchObject({ delivered: 2, retried: 0, failed: 0 });
    expect(await output.next(/CASE_CREATED/)).toMatch(new RegExp(`CASE_CREATED case ${caseId} #1 by Aiko Tanaka \\[status: - -> OPEN`));
    expect(await output.next(/UPDATE_ADDED/)).toContain(`UPDATE_ADDED case ${caseId} #2 by Aiko Tanaka`);

    // Signed with another secret: 400, nothing printed.
    const body = JSON.stringify({ type: "CASE_CREATED", timestamp: new Date().toISOString(), data: {} });
    const forged = new Webhook(`whsec_${Buffer.alloc(32, 7).toString("base64")}`).sign("msg_forged", new Date(), body);
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "webhook-id": "msg_forged", "webhook-timestamp": String(Math.floor(Date.now() / 1000)), "webhook-signature": forged },
      body,
    });
    expect(response.status).toBe(400);

    // A repeat of a delivered message (same webhook-id) is answered 204 and not printed again.
    const [delivery] = (
      await graph.cases.services.webhooks.deliveries(
        { partnerId: "initech", organizationIds: ["acme"], actor: "test" },
        (await graph.cases.services.webhooks.list({ partnerId: "initech", organizationIds: ["acme"], actor: "test" }))[0]!.id,
        { first: 1 },
      )
    ).edges;
    await graph.cases.services.webhooks.redeliver({ partnerId: "initech", organizationIds: ["acme"], actor: "test" }, delivery!.node.id);
    expect(await dispatcher.dispatchDue()).toMatchObject({ delivered: 1 });
    expect(output.lines.filter((line) => / (CASE_CREATED|UPDATE_ADDED) /.test(line))).toHaveLength(2);
    expect(stderr).toBe("");
  });
});
