import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DASHBOARD_QUERY } from "../support/dashboard.js";
import { DATABASES } from "../support/databases.js";
import { CREATE_CASE, productCase } from "../support/fixtures.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { threatApi } from "../support/threat-api.js";
import { type Family, samplesOf, scrape, total } from "../support/prometheus-text.js";
import { randomFile, upload } from "../support/uploads.js";

const SUBGRAPHS = ["cases", "attachments", "threat-analysis"] as const;

function metricsOf(url: string): string {
  return url.replace(/\/graphql$/, "/metrics");
}

async function createCase(graph: TestGraph, token: string): Promise<string> {
  const created = await graph.request({ query: CREATE_CASE, variables: { input: productCase }, token });
  expect(created.errors).toBeUndefined();
  return created.data!.createCase.case.id;
}

/** How much each named sample grew between two scrapes. */
function growth(before: Map<string, Family>, after: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  return total(after, name, labels) - total(before, name, labels);
}

describe.each(DATABASES)("Prometheus metrics on %s", (database) => {
  let graph: TestGraph;
  let metricsUrl: string;
  let acme: string;

  beforeAll(async () => {
    // No case-activity delivery after threat mutations: the relay runs only when a test says so.
    graph = await startGraph({ database, env: { RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: "2", CASE_ACTIVITY_DELIVERY_WAIT_MS: "0" } });
    // main.ts does this with METRICS_HOST and METRICS_PORT; the test graph takes a free port.
    metricsUrl = await graph.gateway.listenMetrics(0);
    acme = await graph.tokenFor("customer@acme.example");
  });
  afterAll(() => graph?.stop());

  it("serves the gateway's /metrics on its own loopback port only: the public port answers 404, the metrics port nothing but /metrics", async () => {
    expect(new URL(metricsUrl).hostname).toBe("127.0.0.1");
    expect(new URL(metricsUrl).port).not.toBe(new URL(graph.gatewayUrl).port);
    const publicMetrics = await fetch(`${graph.origin}/metrics`, { headers: { authorization: `Bearer ${acme}` } });
    expect(publicMetrics.status).toBe(404);
    expect(await publicMetrics.text()).not.toContain("casegraph_");
    expect((await fetch(metricsUrl.replace(/\/metrics$/, "/graphql"))).status).toBe(404);
    const families = await scrape(metricsUrl);
    // prom-client's process metrics, labelled with the service.
    expect(samplesOf(families, "process_resident_memory_bytes")).toEqual([expect.objectContaining({ labels: { service: "gateway" } })]);
    expect(families.get("nodejs_eventloop_lag_seconds")?.type).toBe("gauge");
  });

  it("counts operations by operation name and by client, errors by code, subgraph fetches and HTTP requests as they are made", async () => {
    await createCase(graph, acme);
    const before = await scrape(metricsUrl);
    const portal = { "apollographql-client-name": "support-portal", "apollographql-client-version": "3.1.0" };
    for (let i = 0; i < 2; i++) {
      const dashboard = await graph.request({ query: DASHBOARD_QUERY, token: acme, headers: portal });
      expect(dashboard.errors).toBeUndefined();
    }
    const invalid = await graph.request({ query: "query Broken { cases(first: 1) { nope } }", token: acme, headers: { "apollographql-client-name": "partner-sync" } });
    expect(invalid.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    const after = await scrape(metricsUrl);

    expect(growth(before, after, "casegraph_graphql_request_duration_seconds_count", { service: "gateway", operation_name: "Dashboard", operation_type: "query" })).toBe(2);
    expect(growth(before, after, "casegraph_graphql_request_duration_seconds_count", { operation_name: "Broken" })).toBe(1);
    expect(growth(before, after, "casegraph_graphql_client_request_duration_seconds_count", { client_name: "support-portal", client_version: "3.1.0" })).toBe(2);
    expect(growth(before, after, "casegraph_graphql_client_request_duration_seconds_count", { client_name: "partner-sync", client_version: "none" })).toBe(1);
    expect(growth(before, after, "casegraph_graphql_errors_total", { operation_name: "Broken", code: "GRAPHQL_VALIDATION_FAILED" })).toBe(1);
    expect(growth(before, after, "casegraph_graphql_errors_total", { operation_name: "Dashboard" })).toBe(0);
    // Each dashboard fetches from every subgraph at least once.
    for (const subgraph of SUBGRAPHS) expect(growth(before, after, "casegraph_subgraph_fetch_duration_seconds_count", { subgraph, outcome: "ok" })).toBeGreaterThanOrEqual(2);
    expect(growth(before, after, "casegraph_http_request_duration_seconds_count", { route: "/graphql", method: "POST", status_code: "200" })).toBe(2);
    expect(growth(before, after, "casegraph_http_request_duration_seconds_count", { route: "/graphql", method: "POST", status_code: "400" })).toBe(1);
    // The histogram's sum moved with its count: the durations are recorded, not only counted.
    expect(growth(before, after, "casegraph_graphql_request_duration_seconds_sum", { operation_name: "Dashboard" })).toBeGreaterThan(0);
  });

  it("keeps client-chosen names from growing the series without bound: a malformed client name counts as invalid", async () => {
    const before = await scrape(metricsUrl);
    await graph.request({ query: "{ productProfiles { id } }", token: acme, headers: { "apollographql-client-name": "evil<script>" } });
    const after = await scrape(metricsUrl);
    expect(growth(before, after, "casegraph_graphql_client_request_duration_seconds_count", { client_name: "invalid" })).toBe(1);
    expect(growth(before, after, "casegraph_graphql_request_duration_seconds_count", { operation_name: "anonymous" })).toBe(1);
  });

  it("counts rate-limit refusals by budget", async () => {
    const before = await scrape(metricsUrl);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await graph.request({ query: "{ cases(first: 1) { totalCount } }", token: "not-a-token" })).status);
    expect(statuses).toEqual([401, 401, 429]);
    const after = await scrape(metricsUrl);
    expect(growth(before, after, "casegraph_rate_limit_refusals_total", { budget: "ip" })).toBe(1);
    expect(growth(before, after, "casegraph_http_request_duration_seconds_count", { route: "/graphql", status_code: "429" })).toBe(1);
  });

  it("counts the bytes of uploads streamed to the attachments subgraph", async () => {
    const caseId = await createCase(graph, acme);
    const before = await scrape(metricsUrl);
    const file = randomFile(123_457);
    const uploaded = await upload(graph, { token: acme, input: { caseId }, files: [{ name: "trace.bin", data: file }] });
    expect(uploaded.errors).toBeUndefined();
    const after = await scrape(metricsUrl);
    expect(growth(before, after, "casegraph_upload_bytes_total")).toBe(file.length);
  });

  it("serves /metrics on every subgraph's internal port: process metrics, the operations the gateway planned, and the database pool on MySQL only", async () => {
    await graph.request({ query: DASHBOARD_QUERY, token: acme });
    for (const subgraph of SUBGRAPHS) {
      const families = await scrape(metricsOf(graph.urls[subgraph]));
      expect(samplesOf(families, "process_cpu_seconds_total")).toEqual([expect.objectContaining({ labels: { service: subgraph } })]);
      // The query planner names each subgraph operation after the client's (Dashboard__<subgraph>__<n>).
      const operations = samplesOf(families, "casegraph_graphql_request_duration_seconds_count").map((s) => s.labels.operation_name);
      expect(operations.some((name) => name?.startsWith("Dashboard__"))).toBe(true);
      const pool = samplesOf(families, "casegraph_db_pool_connections");
      if (database === "mysql") {
        expect(Object.fromEntries(pool.map((s) => [s.labels.state, s.value]))).toMatchObject({ in_use: expect.any(Number), idle: expect.any(Number), waiting: 0, max: 10 });
      } else {
        // SQLite: one connection inside the process, no pool to report.
        expect(pool).toEqual([]);
      }
    }
    // A subgraph's /metrics is internal: the gateway never forwards it.
    expect((await fetch(`${graph.origin}/metrics`)).status).toBe(404);
  });

  it("gauges the backlog and oldest age of the cases database's outboxes", async () => {
    const cases = metricsOf(graph.urls.cases);
    const before = await scrape(cases);
    expect(
      samplesOf(before, "casegraph_outbox_backlog")
        .map((s) => s.labels.outbox)
        .sort(),
    ).toEqual(["attachment_reservations", "notification_outbox"]);
    // The in-process graph runs no mail dispatcher: the registration e-mail stays in the outbox.
    await createCase(graph, acme);
    const after = await scrape(cases);
    expect(growth(before, after, "casegraph_outbox_backlog", { outbox: "notification_outbox" })).toBe(1);
    expect(total(after, "casegraph_outbox_oldest_age_seconds", { outbox: "notification_outbox" })).toBeGreaterThanOrEqual(0);
    expect(total(after, "casegraph_outbox_backlog", { outbox: "attachment_reservations" })).toBe(0);
  });

  it("gauges the threat-analysis outbox of case activity, which empties as the relay delivers it", async () => {
    const threats = metricsOf(graph.urls["threat-analysis"]);
    const api = threatApi(graph);
    const caseId = await api.createThreatCase(acme);
    const file = await api.uploadZip(acme, caseId);
    const before = await scrape(threats);
    expect((await api.submit(acme, { caseId, attachmentIds: [file.id] })).errors).toBeUndefined();
    const waiting = await scrape(threats);
    expect(growth(before, waiting, "casegraph_outbox_backlog", { outbox: "case_activity_outbox" })).toBe(1);
    expect(total(waiting, "casegraph_outbox_oldest_age_seconds", { outbox: "case_activity_outbox" })).toBeGreaterThanOrEqual(0);
    await graph.gateway.caseActivityRelay.runOnce();
    expect(total(await scrape(threats), "casegraph_outbox_backlog", { outbox: "case_activity_outbox" })).toBe(0);
  });
});

describe.each(DATABASES)("/ready with an outbox falling behind on %s", (database) => {
  let graph: TestGraph;
  let now = new Date("2026-11-25T09:00:00Z");
  let acme: string;
  const ready = async () => {
    const response = await fetch(graph.urls.cases.replace(/\/graphql$/, "/ready"));
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  beforeAll(async () => {
    graph = await startGraph({ database, clock: () => now, env: { OUTBOX_DEGRADED_BACKLOG: "1", OUTBOX_DEGRADED_AGE_SECONDS: "600" } });
    acme = await graph.tokenFor("customer@acme.example");
  });
  afterAll(() => graph?.stop());

  it("answers 200 degraded, naming the outbox and the threshold it is over, without failing readiness", async () => {
    expect(await ready()).toEqual({ status: 200, body: { status: "ready", service: "cases" } });
    await createCase(graph, acme);
    // One e-mail waiting, just written: within both thresholds.
    expect((await ready()).body.status).toBe("ready");

    now = new Date(now.getTime() + 11 * 60_000);
    const late = await ready();
    expect(late.status).toBe(200);
    expect(late.body).toEqual({
      status: "degraded",
      service: "cases",
      degraded: [{ outbox: "notification_outbox", backlog: 1, oldestAgeSeconds: 660, reason: "oldest waiting 660 s, more than 600 s" }],
    });

    await createCase(graph, acme);
    const both = await ready();
    expect(both.status).toBe(200);
    expect(both.body.degraded).toEqual([{ outbox: "notification_outbox", backlog: 2, oldestAgeSeconds: 660, reason: "2 rows waiting, more than 1; oldest waiting 660 s, more than 600 s" }]);
    // The gateway still serves: degraded is information for the on-call engineer, not a reason to stop routing.
    expect((await graph.request({ query: "{ cases(first: 1) { totalCount } }", token: acme })).data?.cases.totalCount).toBe(2);
  });
});
