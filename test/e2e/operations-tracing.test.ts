import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DASHBOARD_QUERY } from "../support/dashboard.js";
import { DATABASES } from "../support/databases.js";
import { CREATE_CASE, productCase, threatCase } from "../support/fixtures.js";
import { newTraceparent, type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "../support/otlp-receiver.js";
import { freePort, type ProcessGraph, startProcessGraph } from "../support/process-graph.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { postMultipart } from "../support/uploads.js";

const SUBGRAPHS = ["cases", "attachments", "threat-analysis"] as const;
const SERVER = 2;
const CLIENT = 3;

const isSql = (span: ReceivedSpan) => typeof span.attributes["db.system.name"] === "string";

/** The spans of one trace, by id, with the way up from any of them. */
function treeOf(spans: ReceivedSpan[]) {
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  return {
    parentOf: (span: ReceivedSpan) => byId.get(span.parentSpanId),
    ancestors(span: ReceivedSpan): ReceivedSpan[] {
      const path: ReceivedSpan[] = [];
      for (let at = byId.get(span.parentSpanId); at; at = byId.get(at.parentSpanId)) path.push(at);
      return path;
    },
  };
}

/** A subgraph's HTTP server span (what it received: from the gateway, or from another subgraph). */
const serverSpan = (service: string) => (span: ReceivedSpan) => span.service === service && span.kind === SERVER && span.scope === "@opentelemetry/instrumentation-http";

/**
 * The graph as four processes started as production starts them (compiled, each `main.ts` loading its
 * tracing first), exporting over OTLP/HTTP to a receiver of the test's.
 */
describe.each(DATABASES)("traces and logs of the graph run as processes, on %s", (database) => {
  let receiver: OtlpReceiver;
  let smtp: SmtpSink;
  let graph: ProcessGraph;
  let logDir: string;
  let acme: string;
  let metricsPort: number;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    smtp = await startSmtpSink();
    logDir = mkdtempSync(join(tmpdir(), "casegraph-logs-"));
    metricsPort = await freePort();
    graph = await startProcessGraph({
      database,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        // Exported within 100 ms of ending, so that the test waits for little.
        OTEL_BSP_SCHEDULE_DELAY: "100",
        LOG_LEVEL: "info",
        LOG_FILE: join(logDir, "gateway.log"),
        SMTP_URL: smtp.url,
        MAIL_DISPATCH_INTERVAL_SECONDS: "1",
        METRICS_PORT: String(metricsPort),
      },
    });
    acme = await graph.tokenFor("customer@acme.example");
    // A threat case: the dashboard reads its analysis from the threat-analysis database too.
    const created = await graph.request({ query: CREATE_CASE, variables: { input: threatCase }, token: acme });
    expect(created.errors).toBeUndefined();
  }, 240_000);
  afterAll(async () => {
    await graph?.stop();
    await smtp?.stop();
    await receiver?.close();
    if (logDir) rmSync(logDir, { recursive: true, force: true });
  });

  it("makes a dashboard query ONE trace under the client's traceparent: gateway, plan fetches, all three subgraphs and their SQL, correctly nested", async () => {
    const { traceparent, traceId, parentSpanId } = newTraceparent();
    const response = await graph.request({ query: DASHBOARD_QUERY, token: acme, headers: { traceparent } });
    expect(response.errors).toBeUndefined();
    expect(response.data?.cases.edges.length).toBeGreaterThan(0);

    const spans = await receiver.waitForTrace(
      traceId,
      (found) => found.some((s) => s.parentSpanId === parentSpanId) && SUBGRAPHS.every((subgraph) => found.some((s) => s.service === subgraph && isSql(s)) && found.some(serverSpan(subgraph))),
      20_000,
    );
    const tree = treeOf(spans);

    // The client's span is the parent of exactly one span: the gateway's HTTP server span. Every other span hangs under it.
    const roots = spans.filter((s) => s.parentSpanId === parentSpanId);
    expect(roots.map((s) => [s.service, s.kind, s.name])).toEqual([["gateway", SERVER, "POST /graphql"]]);
    for (const span of spans.filter((s) => s !== roots[0])) expect(tree.ancestors(span), `${span.service} ${span.name}`).toContain(roots[0]);

    // Apollo's gateway records its spans through the global provider: the operation, and a span per query-plan fetch.
    const request = spans.find((s) => s.scope === "apollo/gateway-js" && s.name === "gateway.request");
    expect(request?.attributes["graphql.operation.name"]).toBe("Dashboard");
    const fetches = spans.filter((s) => s.name === "gateway.fetch");
    expect(fetches.length).toBeGreaterThanOrEqual(3);

    for (const subgraph of SUBGRAPHS) {
      // gateway.fetch -> the gateway's HTTP client span (undici) -> the subgraph's server span.
      const received = spans.filter(serverSpan(subgraph));
      expect(received.length, subgraph).toBeGreaterThan(0);
      for (const server of received) {
        const client = tree.parentOf(server)!;
        expect([client.service, client.kind, client.scope]).toEqual(["gateway", CLIENT, "@opentelemetry/instrumentation-undici"]);
        expect(tree.parentOf(client)?.name).toBe("gateway.fetch");
      }
      // The subgraph's operation is the one the gateway planned, under its server span; the SQL under both.
      const operation = spans.find((s) => s.service === subgraph && s.name.includes("Dashboard__"));
      expect(tree.ancestors(operation!).some((s) => received.includes(s))).toBe(true);
      const statements = spans.filter((s) => s.service === subgraph && isSql(s));
      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) {
        expect(statement.attributes["db.system.name"]).toBe(database === "mysql" ? "mysql" : "sqlite");
        expect(tree.ancestors(statement)).toContain(operation);
        // Statement text without its values: the organization is a parameter, never in the span.
        expect(String(statement.attributes["db.query.text"])).not.toContain("acme");
      }
    }
    // One trace: every span any service made for this dashboard carries the client's trace id.
    expect(receiver.spans.filter((s) => s.name.includes("Dashboard__")).every((s) => s.traceId === traceId)).toBe(true);
  });

  it("traces an upload from the gateway through the attachments subgraph and on to the cases subgraph it asks", async () => {
    const created = await graph.request({ query: CREATE_CASE, variables: { input: productCase }, token: acme });
    const caseId = created.data!.createCase.case.id as string;
    const { traceparent, traceId, parentSpanId } = newTraceparent();
    const data = Buffer.alloc(50_000, 7);
    const uploaded = await postMultipart(graph.gatewayUrl, {
      token: acme,
      input: { caseId },
      files: [{ name: "agent.log", data }],
      headers: { "apollo-require-preflight": "true", traceparent },
    });
    expect(uploaded.errors).toBeUndefined();

    const spans = await receiver.waitForTrace(
      traceId,
      (found) => found.some((s) => s.name === "gateway.upload") && found.some((s) => s.name === "attachments.store_file") && found.some(serverSpan("cases")) && found.some(serverSpan("attachments")),
    );
    const tree = treeOf(spans);
    const gatewayServer = spans.find((s) => s.parentSpanId === parentSpanId)!;
    const forward = spans.find((s) => s.name === "gateway.upload")!;
    expect(tree.parentOf(forward)).toBe(gatewayServer);
    expect(forward.attributes).toMatchObject({ "casegraph.upload.files": 1, "casegraph.upload.bytes": data.length, "http.response.status_code": 200 });
    // The streamed request to the attachments subgraph is the upload span's child.
    const attachments = spans.find(serverSpan("attachments"))!;
    expect(tree.parentOf(attachments)?.service).toBe("gateway");
    expect(tree.ancestors(attachments)).toContain(forward);
    const stored = spans.find((s) => s.name === "attachments.store_file")!;
    expect(stored.attributes["casegraph.file.size"]).toBe(data.length);
    expect(tree.ancestors(stored)).toContain(attachments);
    // The attachments subgraph asked the cases subgraph about the case (fetch): the same trace, one level down.
    const cases = spans.find(serverSpan("cases"))!;
    const call = tree.parentOf(cases)!;
    expect([call.service, call.kind, call.scope]).toEqual(["attachments", CLIENT, "@opentelemetry/instrumentation-undici"]);
    expect(tree.ancestors(cases)).toContain(attachments);
  });

  it("records a span for each e-mail the dispatcher sends over SMTP", async () => {
    const [sent] = await receiver.waitForSpans((s) => s.service === "cases" && s.name === "mail.send");
    expect(sent!.attributes).toMatchObject({ "casegraph.mail.transport": "smtp", "server.address": "127.0.0.1", "server.port": Number(new URL(smtp.url).port), "casegraph.mail.rejected": 0 });
    expect(sent!.attributes["casegraph.mail.recipients"]).toBeGreaterThan(0);
    expect(smtp.messages.length).toBeGreaterThan(0);
    // The dispatcher's polling leaves no trace of its own: no SQL span without a parent.
    expect(receiver.spans.filter((s) => isSql(s) && s.parentSpanId === "")).toEqual([]);
  });

  it("serves the gateway process's /metrics on METRICS_PORT, with the operations it traced", async () => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(text).toMatch(/casegraph_graphql_request_duration_seconds_count\{service="gateway",operation_name="Dashboard",operation_type="query"\} [1-9]/);
  });

  // Last: it stops the threat-analysis process.
  it("writes an error's correlation id in the log line that carries its trace id, and on the trace", async () => {
    process.kill(graph.pids["threat-analysis"], "SIGKILL");
    const { traceparent, traceId } = newTraceparent();
    const response = await graph.request({ query: DASHBOARD_QUERY, token: acme, headers: { traceparent } });
    const failure = response.errors?.find((error) => error.extensions?.code === "SERVICE_UNAVAILABLE");
    const correlationId = failure?.extensions?.correlationId as string;
    expect(correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(failure?.message).toContain(correlationId);

    // The id the user reports finds the log line, and that line names the trace.
    const lines = readFileSync(join(logDir, "gateway.log"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const line = lines.find((l) => l.correlationId === correlationId);
    expect(line).toMatchObject({ msg: "subgraph call failed", serviceName: "threat-analysis", trace_id: traceId, span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
    // The trace holds the same id, so a tracing backend finds it by the id too.
    const spans = await receiver.waitForTrace(traceId, (found) => found.some((s) => s.attributes["casegraph.correlation_id"] === correlationId));
    expect(spans.find((s) => s.attributes["casegraph.correlation_id"] === correlationId)?.service).toBe("gateway");
  });
});
