import { createServer } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { redirectLogsForTests } from "../../subgraphs/kit/logger.js";
import { DATABASES } from "../support/databases.js";
import { startDelayingProxy } from "../support/delaying-proxy.js";
import { type ExtraGateway, startGatewayOver } from "../support/extra-gateway.js";
import { CREATE_CASE, threatCase } from "../support/fixtures.js";
import { startGraph, type TestGraph } from "../support/graph.js";

const CASE_ACROSS_SUBGRAPHS = "query($id: ID!) { case(id: $id) { title attachments(first: 5) { totalCount } threatAnalysis { files { id } urls { url } } } }";

/** What no client may ever see: SQL, driver messages, stack frames, file paths, subgraph addresses. */
function expectNothingInternal(body: unknown, ...alsoAbsent: string[]) {
  const text = JSON.stringify(body);
  for (const leak of ["SELECT", "url_analyses", "SQLITE", "ER_NO_SUCH_TABLE", "QueryFailedError", "    at ", "node_modules", "/work/", ".ts:", "127.0.0.1", "http://", ...alsoAbsent]) {
    expect(text).not.toContain(leak);
  }
}

async function createThreatCase(graph: TestGraph, token: string): Promise<string> {
  const created = await graph.request({ query: CREATE_CASE, variables: { input: threatCase }, token });
  expect(created.errors).toBeUndefined();
  return created.data!.createCase.case.id;
}

describe.each(DATABASES)("an internal error in a resolver on %s", (database) => {
  let graph: TestGraph;
  const logLines: Record<string, any>[] = [];

  beforeAll(async () => {
    redirectLogsForTests({ write: (line: string) => void logLines.push(JSON.parse(line)) });
    graph = await startGraph({ database, env: { LOG_LEVEL: "error" } });
  });
  afterAll(async () => {
    redirectLogsForTests(undefined);
    await graph?.stop();
  });

  it("reaches the client as INTERNAL_SERVER_ERROR with a correlation id only, and the log has the stack under that id", async () => {
    const acme = await graph.tokenFor("customer@acme.example");
    const caseId = await createThreatCase(graph, acme);
    // A real resolver failing for a reason nobody planned for: its table is gone.
    await graph.threats.dataSource.query("DROP TABLE url_analyses");

    const response = await graph.request({ query: CASE_ACROSS_SUBGRAPHS, variables: { id: caseId }, token: acme });
    expect(response.data?.case?.title).toBe(threatCase.title);
    const internal = response.errors?.filter((error) => error.extensions?.code === "INTERNAL_SERVER_ERROR") ?? [];
    expect(internal.length).toBeGreaterThan(0);
    const { correlationId } = internal[0]!.extensions!;
    expect(Object.keys(internal[0]!.extensions!).sort()).toEqual(["code", "correlationId"]);
    expect(internal[0]!.message).toBe(`Internal server error (correlation id ${correlationId})`);
    expectNothingInternal(response);

    const subgraphLine = logLines.find((line) => line.correlationId === correlationId && line.name === "threat-analysis");
    expect(subgraphLine?.err?.stack).toContain("url_analyses");
    expect(subgraphLine?.err?.stack).toMatch(/\n\s+at /);
    expect(logLines.some((line) => line.correlationId === correlationId && line.name === "gateway")).toBe(true);
  });
});

describe("a slow or unreachable subgraph", () => {
  let graph: TestGraph;
  let acme: string;
  let caseId: string;
  const extras: { stop(): Promise<void> }[] = [];

  beforeAll(async () => {
    graph = await startGraph({ database: "sqlite" });
    acme = await graph.tokenFor("customer@acme.example");
    caseId = await createThreatCase(graph, acme);
  });
  afterEach(async () => {
    for (const extra of extras.splice(0)) await extra.stop();
  });
  afterAll(() => graph?.stop());

  async function gatewayWithThreatsAt(threatsUrl: string): Promise<ExtraGateway> {
    // The timeout applies to every subgraph: it leaves the cases and attachments subgraphs a second to
    // answer on a busy machine (test files run side by side), while the delayed one holds for 30 s.
    const gateway = await startGatewayOver(graph, { THREATS_URL: threatsUrl, SUBGRAPH_TIMEOUT_MS: "1000" });
    extras.push(gateway);
    return gateway;
  }

  async function requestCase(gateway: ExtraGateway) {
    const response = await fetch(gateway.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${acme}` },
      body: JSON.stringify({ query: CASE_ACROSS_SUBGRAPHS, variables: { id: caseId } }),
    });
    return { status: response.status, body: (await response.json()) as { data?: any; errors?: any[] } };
  }

  it("answers without waiting for the slow subgraph: a clear error naming it, data from the others", async () => {
    const proxy = await startDelayingProxy(graph.urls["threat-analysis"], 30_000);
    extras.push({ stop: () => proxy.close() });
    const gateway = await gatewayWithThreatsAt(proxy.url);

    const { status, body } = await requestCase(gateway);
    // The subgraph was asked and has not answered yet: the gateway gave up on it rather than wait.
    expect(proxy.received).toBeGreaterThan(0);
    expect(proxy.answered).toBe(0);
    expect(status).toBe(200);
    expect(body.data.case).toEqual({ title: threatCase.title, attachments: { totalCount: 0 }, threatAnalysis: null });
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0].message).toMatch(/^The threat-analysis service did not answer within 1000 ms/);
    expect(body.errors![0].extensions).toMatchObject({ code: "SERVICE_UNAVAILABLE", serviceName: "threat-analysis" });
    expectNothingInternal(body, new URL(proxy.url).port);
  });

  it("reports an unreachable subgraph by name, without its address", async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const gateway = await gatewayWithThreatsAt(`http://127.0.0.1:${closedPort}/graphql`);

    const { body } = await requestCase(gateway);
    expect(body.data.case).toMatchObject({ title: threatCase.title, threatAnalysis: null });
    expect(body.errors![0].message).toMatch(/^The threat-analysis service could not be reached/);
    expect(body.errors![0].extensions).toMatchObject({ code: "SERVICE_UNAVAILABLE", serviceName: "threat-analysis" });
    expectNothingInternal(body, String(closedPort), "ECONNREFUSED", "fetch failed");
  });
});
