import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatewayConfig } from "../../gateway/config.js";
import { mutationFieldsOf } from "../../gateway/relay/deliver-after-mutations.js";
import { autoCloseStaleCases } from "../../subgraphs/cases/case/case.autoclose.js";
import { smtpTransport } from "../../subgraphs/cases/notification/mail-transport.js";
import { NotificationDispatcher } from "../../subgraphs/cases/notification/notification.dispatcher.js";
import { APPLY_CASE_ACTIVITIES, type CaseActivity, CaseActivityKind, detailsToWire } from "../../subgraphs/kit/case-activity-protocol.js";
import { IDENTITY_HEADER } from "../../subgraphs/kit/identity.js";
import { RELAY_PRINCIPAL } from "../../subgraphs/kit/principal.js";
import { inTransaction } from "../../subgraphs/kit/transaction.js";
import { recordCaseActivity } from "../../subgraphs/threat-analysis/case-activity/case-activity.outbox.js";
import { caseApi } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { type ExtraGateway, startGatewayOver } from "../support/extra-gateway.js";
import { postGraphQL, requestAs, startGraph, type TestGraph } from "../support/graph.js";
import { signTestIdentity } from "../support/identity-keys.js";
import { type ReceivedMail, type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { startDelayingProxy } from "../support/delaying-proxy.js";
import { startTcpProxy } from "../support/tcp-proxy.js";
import { threatApi } from "../support/threat-api.js";
import { eventually } from "../support/uploads.js";

const DAY = 24 * 60 * 60 * 1000;
const REGISTRANT = "customer@acme.example";
const CC = ["cc1@acme.example", "cc2@acme.example"];
const CASE_READ = `query($id: ID!) { case(id: $id) { id caseNumber status subStatus version updatedAt history(first: 100) { edges { node { field oldValue newValue comment at actor { id name role } } } } } }`;

/** docs/domain.md, "Threat activity on the case": what happens in the threat-analysis subgraph shows on the case, through the outbox and the gateway's relay. */
describe.each(DATABASES)("threat activity on the case on %s", (database) => {
  let graph: TestGraph;
  let api: ReturnType<typeof threatApi>;
  let cases: ReturnType<typeof caseApi>;
  let sink: SmtpSink;
  let dispatcher: NotificationDispatcher;
  let customer: string;
  let engineer: string;
  let globex: string;
  let now = new Date("2026-06-01T09:00:00.000Z");
  const tick = (ms = 60_000) => (now = new Date(now.getTime() + ms));

  beforeAll(async () => {
    graph = await startGraph({ database, clock: () => now });
    api = threatApi(graph);
    cases = caseApi(graph);
    sink = await startSmtpSink();
    dispatcher = new NotificationDispatcher(graph.cases.dataSource, {
      transport: smtpTransport(sink.url),
      from: "Support Portal <no-reply@support.example>",
      portalUrl: "https://portal.example.com/support",
      maxAttempts: 5,
      retryBaseSeconds: 60,
      leaseSeconds: 300,
      clock: () => now,
    });
    customer = await graph.tokenFor(REGISTRANT);
    engineer = await graph.tokenFor("engineer@support.example");
    globex = await graph.tokenFor("customer@globex.example");
  });
  afterAll(async () => {
    await graph?.stop();
    await sink?.stop();
  });

  async function read(caseId: string, gatewayUrl = graph.gatewayUrl) {
    const response = await requestAs<any>(gatewayUrl, { query: CASE_READ, variables: { id: caseId }, token: engineer });
    expect(response.errors).toBeUndefined();
    const c = response.data!.case;
    return { ...c, history: c.history.edges.map((edge: any) => edge.node) as any[] };
  }

  async function ok<T extends { errors?: unknown }>(response: Promise<T>): Promise<T> {
    const answer = await response;
    expect(answer.errors).toBeUndefined();
    return answer;
  }

  /** A threat case of acme with one submitted file (ANALYZING); returns its ids. */
  async function caseWithFile(input: Record<string, unknown> = {}, token = customer) {
    tick();
    const caseId = await api.createThreatCase(token, "INFECTION_ANALYSIS", { problemCategory: "INFECTION_ANALYSIS", ...input });
    const file = await api.uploadZip(token, caseId, "sample.zip");
    tick();
    const submitted = await ok(api.submit(token, { caseId, attachmentIds: [file.id] }));
    return { caseId, fileAnalysisId: submitted.data!.submitForAnalysis.threatAnalysis.files[0].id as string };
  }

  const outbox = () => graph.threats.services.caseActivity.pending();
  /** History lists newest first. */
  const last = (c: { history: any[] }) => c.history[0];

  it("shows each threat activity as a history event with its actor and time, right after the mutation, and moves updatedAt", async () => {
    tick();
    const caseId = await api.createThreatCase(customer, "INFECTION_ANALYSIS", { problemCategory: "INFECTION_ANALYSIS" });
    const file = await api.uploadZip(customer, caseId, "sample.zip");

    const steps: [string, () => Promise<unknown>, Record<string, unknown>][] = [
      [
        "submitForAnalysis",
        () => api.submit(customer, { caseId, attachmentIds: [file.id], urls: ["https://bad.example/x"] }),
        { field: "analysis", oldValue: null, newValue: "sample.zip, https://bad.example/x", comment: null, actor: { id: "u-acme-customer", name: "Aiko Tanaka", role: "CUSTOMER" } },
      ],
      [
        "recordFileVerdict",
        async () => api.recordFileVerdict(engineer, { fileAnalysisId: (await api.analysisOf(engineer, caseId)).files[0].id, verdict: "DANGEROUS", detectionName: "TROJ_X", patternVersion: "1.0" }),
        { field: "fileVerdict", oldValue: "ANALYZING", newValue: "DANGEROUS", comment: "sample.zip", actor: { role: "ENGINEER" } },
      ],
      [
        "recordUrlRating",
        () => api.recordUrlRating(engineer, { caseId, url: "https://bad.example/x", rating: "DANGEROUS" }),
        { field: "urlRating", oldValue: "UNRATED", newValue: "DANGEROUS", comment: "https://bad.example/x" },
      ],
      ["recordEmailVerdict", () => api.recordEmailVerdict(engineer, { caseId, name: "invoice.eml", verdict: "SPAM" }), { field: "emailVerdict", oldValue: null, newValue: "SPAM", comment: "invoice.eml" }],
      ["recordAttkFile", () => api.recordAttkFile(engineer, { caseId, fileName: "dropper.dll", collected: true }), { field: "attkCollected", oldValue: null, newValue: "COLLECTED", comment: "dropper.dll" }],
      [
        "requestFileAction",
        async () => api.requestFileAction(customer, { fileAnalysisId: (await api.analysisOf(customer, caseId)).files[0].id, action: "REQUEST_PATTERN_FILE", comment: "Please add it to the pattern." }),
        { field: "request", oldValue: null, newValue: "SUBMITTED", comment: "[REQUEST_PATTERN_FILE] sample.zip\nPlease add it to the pattern.", actor: { role: "CUSTOMER" } },
      ],
    ];
    for (const [name, mutate, event] of steps) {
      const before = await read(caseId);
      tick();
      await ok(mutate() as Promise<{ errors?: unknown }>);
      // No relay pass by the test: the gateway ran one before answering the mutation.
      const after = await read(caseId);
      expect(last(after), name).toMatchObject({ ...event, at: now.toISOString() });
      expect(after.updatedAt, name).toBe(now.toISOString());
      expect(Date.parse(after.updatedAt)).toBeGreaterThan(Date.parse(before.updatedAt));
      expect(after.version, name).toBe(before.version + 1);
    }
    // Delivered activities leave the outbox.
    expect(await outbox()).toEqual([]);
  });

  it("leaves no event for a submission that adds nothing new or a verdict recorded again unchanged", async () => {
    const { caseId, fileAnalysisId } = await caseWithFile();
    tick();
    await ok(api.recordFileVerdict(engineer, { fileAnalysisId, verdict: "NO_PROBLEM" }));
    const before = await read(caseId);
    tick();
    await ok(api.recordFileVerdict(engineer, { fileAnalysisId, verdict: "NO_PROBLEM" }));
    expect(await read(caseId)).toEqual(before);
  });

  it("moves a case waiting for the customer to CUSTOMER_UPDATED on a customer's request, with a history event", async () => {
    for (const waiting of ["SOLUTION_PROVIDED", "INFORMATION_REQUESTED"]) {
      const { caseId, fileAnalysisId } = await caseWithFile();
      tick();
      await ok(api.recordFileVerdict(engineer, { fileAnalysisId, verdict: "NO_PROBLEM" }));
      tick();
      await ok(cases.setSubStatus(engineer, { caseId, subStatus: waiting }));
      tick();
      await ok(api.requestFileAction(customer, { fileAnalysisId, action: "REQUEST_REANALYSIS", comment: "Still detected here." }));

      const c = await read(caseId);
      expect(c.subStatus, waiting).toBe("CUSTOMER_UPDATED");
      expect(
        c.history
          .slice(0, 2)
          .map((e: any) => [e.field, e.oldValue, e.newValue, e.actor.role, e.at])
          .sort(),
      ).toEqual(
        [
          ["request", null, "SUBMITTED", "CUSTOMER", now.toISOString()],
          ["subStatus", waiting, "CUSTOMER_UPDATED", "CUSTOMER", now.toISOString()],
        ].sort(),
      );
    }
  });

  it("counts a customer's threat activity as customer activity, so auto-close waits 14 days from it", async () => {
    // A request in SOLUTION_PROVIDED answers the wait (CUSTOMER_UPDATED); a new submission keeps the sub-status but restarts the auto-close clock.
    const requested = await caseWithFile();
    const submitted = await caseWithFile();
    const untouched = await caseWithFile();
    // Sent with an update before the engineer's answer: only its submission for analysis comes after.
    const file = await api.uploadZip(customer, submitted.caseId, "another.zip");
    for (const c of [requested, submitted, untouched]) {
      await ok(api.recordFileVerdict(engineer, { fileAnalysisId: c.fileAnalysisId, verdict: "NO_PROBLEM" }));
      await ok(cases.setSubStatus(engineer, { caseId: c.caseId, subStatus: "SOLUTION_PROVIDED" }));
    }
    const solved = now;
    tick(10 * DAY);
    await ok(api.requestFileAction(customer, { fileAnalysisId: requested.fileAnalysisId, action: "REQUEST_REANALYSIS" }));
    await ok(api.submit(customer, { caseId: submitted.caseId, attachmentIds: [file.id] }));
    expect((await read(submitted.caseId)).subStatus).toBe("SOLUTION_PROVIDED");

    const closed = await autoCloseStaleCases(graph.cases.dataSource, new Date(solved.getTime() + 14 * DAY + 1), 14);
    expect(closed).toContain(untouched.caseId);
    expect(closed).not.toContain(requested.caseId);
    expect(closed).not.toContain(submitted.caseId);
    expect((await read(requested.caseId)).subStatus).toBe("CUSTOMER_UPDATED");
    expect((await read(submitted.caseId)).status).toBe("OPEN");
    expect(await autoCloseStaleCases(graph.cases.dataSource, new Date(now.getTime() + 14 * DAY + 1), 14)).toContain(submitted.caseId);
  });

  it("loses nothing while the cases subgraph is down: the activity arrives once it is back, and once only when delivered twice", async () => {
    const cutOff = new URL(graph.urls.cases);
    const proxy = await startTcpProxy(cutOff.hostname, Number(cutOff.port));
    let extra: ExtraGateway | undefined;
    try {
      // A gateway whose relay reaches the cases subgraph through the proxy; threat-analysis still reaches cases directly.
      extra = await startGatewayOver(graph, { CASES_URL: `http://127.0.0.1:${proxy.port}/graphql`, CASE_ACTIVITY_RELAY_INTERVAL_SECONDS: "0" });
      const { caseId, fileAnalysisId } = await caseWithFile();
      const before = await read(caseId);
      await proxy.cut();

      tick();
      const recordedAt = now.toISOString();
      const answer = await requestAs<any>(extra.url, {
        query: `mutation($input: RecordFileVerdictInput!) { recordFileVerdict(input: $input) { threatAnalysis { files { verdict } } } }`,
        variables: { input: { fileAnalysisId, verdict: "DANGEROUS", detectionName: "TROJ_Y" } },
        token: engineer,
      });
      // The threat side committed and the client has its answer, though the case could not be told.
      expect(answer.errors).toBeUndefined();
      expect(answer.data.recordFileVerdict.threatAnalysis.files[0].verdict).toBe("DANGEROUS");
      expect(await read(caseId)).toEqual(before);
      const [waiting] = await outbox();
      expect(waiting).toMatchObject({ caseId, kind: CaseActivityKind.RESULT_RECORDED, attempts: 1, claimToken: null });
      // The transport failure is kept on the row, for whoever looks at a backlog.
      expect(waiting!.lastError).toMatch(/^cases subgraph could not be reached: .*ECONNREFUSED 127\.0\.0\.1:\d+$/);

      await proxy.restore();
      // Backing off: not retried before its time.
      expect(await extra.gateway.caseActivityRelay.runOnce()).toEqual({ claimed: 0, delivered: 0, failed: 0 });
      tick(10_000);
      expect(await extra.gateway.caseActivityRelay.runOnce()).toEqual({ claimed: 1, delivered: 1, failed: 0 });
      const after = await read(caseId);
      expect(after.history.filter((e: any) => e.field === "fileVerdict")).toEqual([
        { field: "fileVerdict", oldValue: "ANALYZING", newValue: "DANGEROUS", comment: "sample.zip", at: recordedAt, actor: expect.objectContaining({ role: "ENGINEER" }) },
      ]);
      expect(after.version).toBe(before.version + 1);
      expect(await outbox()).toEqual([]);

      // The same activity delivered again (a relay whose acknowledgement was lost): applied, and nothing changes.
      const again: CaseActivity = {
        id: waiting!.id,
        caseId,
        organizationId: waiting!.organizationId,
        kind: waiting!.kind,
        actor: waiting!.actor,
        at: waiting!.occurredAt.toISOString(),
        details: waiting!.details,
      };
      const redelivered = await postGraphQL<any>(
        graph.urls.cases,
        { query: APPLY_CASE_ACTIVITIES, variables: { activities: [{ ...again, details: detailsToWire(again.details) }] } },
        { [IDENTITY_HEADER]: signTestIdentity(RELAY_PRINCIPAL, "cases") },
      );
      expect(redelivered.data?.applyCaseActivities).toEqual([{ id: again.id, applied: true, error: null }]);
      expect(await read(caseId)).toEqual(after);
    } finally {
      await extra?.stop();
      await proxy.close();
    }
  });

  it("answers a threat mutation while the cases subgraph hangs, and applies once what a lost answer makes the relay deliver again", async () => {
    // The cases subgraph applies the activity, but its answer never reaches the relay.
    const hanging = await startDelayingProxy(graph.urls.cases, 10 * 60_000);
    let extra: ExtraGateway | undefined;
    try {
      extra = await startGatewayOver(graph, { CASES_URL: hanging.url, CASE_ACTIVITY_RELAY_INTERVAL_SECONDS: "0", CASE_ACTIVITY_DELIVERY_WAIT_MS: "100" });
      const { caseId, fileAnalysisId } = await caseWithFile();
      const before = await read(caseId);
      tick();
      const answer = await requestAs<any>(extra.url, {
        query: `mutation($input: RecordFileVerdictInput!) { recordFileVerdict(input: $input) { threatAnalysis { files { verdict } } } }`,
        variables: { input: { fileAnalysisId, verdict: "NO_PROBLEM" } },
        token: engineer,
      });
      expect(answer.errors).toBeUndefined();
      expect(hanging.answered).toBe(0);
      // The relay's call dies with the proxy: reported as not delivered, the row backs off.
      await hanging.close();
      await extra.gateway.caseActivityRelay.runOnce();
      expect((await outbox()).map((r) => r.attempts)).toEqual([1]);

      tick(10_000);
      expect(await graph.gateway.caseActivityRelay.runOnce()).toEqual({ claimed: 1, delivered: 1, failed: 0 });
      const after = await read(caseId);
      expect(after.history.filter((e: any) => e.field === "fileVerdict").map((e: any) => e.newValue)).toEqual(["NO_PROBLEM"]);
      expect(after.version).toBe(before.version + 1);
      expect(await outbox()).toEqual([]);
    } finally {
      await extra?.stop();
      await hanging.close();
    }
  });

  it("delivers by itself every CASE_ACTIVITY_RELAY_INTERVAL_SECONDS what no mutation's pass carried", async () => {
    const { caseId } = await caseWithFile();
    tick();
    // Written as a threat service writes it, with no mutation through a gateway to carry it.
    await inTransaction(graph.threats.dataSource, (tx) =>
      recordCaseActivity(tx, {
        caseId,
        organizationId: "acme",
        kind: CaseActivityKind.ANALYSIS_SUBMITTED,
        actor: { id: "u-acme-customer", name: "Aiko Tanaka", role: "CUSTOMER", email: null },
        at: now,
        details: { items: "late.zip" },
      }),
    );
    const extra = await startGatewayOver(graph, { CASE_ACTIVITY_RELAY_INTERVAL_SECONDS: "1" });
    try {
      await eventually(async () => (await outbox()).length === 0, 10_000);
      expect(last(await read(caseId))).toMatchObject({ field: "analysis", newValue: "late.zip", at: now.toISOString() });
    } finally {
      await extra.stop();
    }
  });

  it("lets only the gateway's relay claim, apply and acknowledge case activity", async () => {
    const customerIdentity = signTestIdentity({ kind: "user", id: "u-acme-customer", name: "Aiko Tanaka", role: "customer", organizationIds: ["acme"], scopes: ["cases:read", "cases:write", "threats:write"] }, "cases");
    const apply = await postGraphQL<any>(graph.urls.cases, { query: APPLY_CASE_ACTIVITIES, variables: { activities: [] } }, { [IDENTITY_HEADER]: customerIdentity });
    expect(apply.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const claim = await postGraphQL<any>(
      graph.urls["threat-analysis"],
      { query: `mutation { claimCaseActivities(limit: 5) { claimToken } }` },
      { [IDENTITY_HEADER]: signTestIdentity({ kind: "user", id: "u-engineer", name: "Sam", role: "engineer", organizationIds: null, scopes: ["cases:read", "cases:write", "threats:write"] }, "threat-analysis") },
    );
    expect(claim.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    // And no client reaches these fields through the gateway.
    const viaGateway = await graph.request({ query: `mutation { claimCaseActivities(limit: 5) { claimToken } }`, token: engineer });
    expect(viaGateway.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  describe("mail", () => {
    const received = (caseNumber: string): ReceivedMail[] => sink.messages.filter((m) => m.header("X-Casegraph-Case") === caseNumber);

    /** The request lifecycle's activities (an engineer starting and answering), as its writer records them in the threat-analysis database. */
    async function engineerActivity(caseId: string, organizationId: string, kind: CaseActivityKind, details: Record<string, string | null>) {
      tick();
      const at = now;
      await inTransaction(graph.threats.dataSource, (tx) =>
        recordCaseActivity(tx, { caseId, organizationId, kind, actor: { id: "u-engineer", name: "Sam Support", role: "ENGINEER", email: "engineer@support.example" }, at, details }),
      );
      expect((await graph.gateway.caseActivityRelay.runOnce()).delivered).toBe(1);
    }

    async function requestLifecycle(token: string, organizationId: string, input: Record<string, unknown>) {
      const { caseId, fileAnalysisId } = await caseWithFile(input, token);
      await ok(api.recordFileVerdict(engineer, { fileAnalysisId, verdict: "DANGEROUS", detectionName: "TROJ_Z" }));
      tick();
      const made = await ok(api.requestFileAction(token, { fileAnalysisId, action: "REQUEST_PATTERN_FILE", comment: "Please cover it." }));
      const requestId = made.data!.requestFileAction.request.id as string;
      const common = { requestId, action: "REQUEST_PATTERN_FILE", subjectName: "sample.zip" };
      await engineerActivity(caseId, organizationId, CaseActivityKind.REQUEST_STARTED, common);
      await engineerActivity(caseId, organizationId, CaseActivityKind.REQUEST_ANSWERED, { ...common, state: "DONE", response: "Covered by pattern 19.203.00.", outcome: "Pattern 19.203.00" });
      await dispatcher.dispatchDue();
      return (await read(caseId)).caseNumber as string;
    }

    it("mails the registrant and the CC list about a request, its start and its answer, in Japanese for acme", async () => {
      const caseNumber = await requestLifecycle(customer, "acme", { ccEmails: CC, title: "不審なファイル" });
      const mails = received(caseNumber).filter((m) => m.header("X-Casegraph-Notification")!.startsWith("THREAT_REQUEST_"));
      expect(mails.map((m) => [m.header("X-Casegraph-Notification"), m.to])).toEqual([
        ["THREAT_REQUEST_MADE", [REGISTRANT, ...CC]],
        ["THREAT_REQUEST_STARTED", [REGISTRANT, ...CC]],
        ["THREAT_REQUEST_ANSWERED", [REGISTRANT, ...CC]],
      ]);
      const [made, started, answered] = mails.map((m) => m.part("text/plain")!);
      expect(mails[0]!.header("Subject")).toBe(`[${caseNumber}] 解析結果へのご依頼を受け付けました：不審なファイル`);
      expect(made).toContain("ご依頼: パターンファイル対応依頼");
      expect(made).toContain("対象: sample.zip");
      expect(made).toContain("コメント: Please cover it.");
      expect(made).toContain("依頼者: Aiko Tanaka (お客さま)");
      expect(started).toContain("状態: 対応中");
      expect(answered).toContain("状態: 対応済み");
      expect(answered).toContain("結果: Pattern 19.203.00");
      expect(answered).toMatch(/回答:\r?\n> Covered by pattern 19\.203\.00\./);
    });

    it("writes in English for globex", async () => {
      const caseNumber = await requestLifecycle(globex, "globex", { productProfileId: "globex-server", title: "Odd file" });
      const mails = received(caseNumber).filter((m) => m.header("X-Casegraph-Notification")!.startsWith("THREAT_REQUEST_"));
      expect(mails.map((m) => m.to)).toEqual([["customer@globex.example"], ["customer@globex.example"], ["customer@globex.example"]]);
      expect(mails.map((m) => m.header("Subject"))).toEqual([
        `[${caseNumber}] Request on an analysis result received: Odd file`,
        `[${caseNumber}] Work on your request started: Odd file`,
        `[${caseNumber}] Your request was answered: Odd file`,
      ]);
      const answered = mails[2]!.part("text/plain")!;
      expect(answered).toContain("Request: Request pattern file");
      expect(answered).toContain("State: Done");
      expect(answered).toMatch(/Response:\r?\n> Covered by pattern 19\.203\.00\./);
    });
  });
});

describe("case-activity relay settings", () => {
  it("reads CASE_ACTIVITY_RELAY_INTERVAL_SECONDS and CASE_ACTIVITY_DELIVERY_WAIT_MS, with their defaults, and refuses nonsense naming the variable", () => {
    expect(gatewayConfig({ NODE_ENV: "test" })).toMatchObject({ caseActivityRelayIntervalSeconds: 5, caseActivityDeliveryWaitMs: 2_000 });
    expect(gatewayConfig({ NODE_ENV: "test", CASE_ACTIVITY_RELAY_INTERVAL_SECONDS: "0", CASE_ACTIVITY_DELIVERY_WAIT_MS: "0" })).toMatchObject({ caseActivityRelayIntervalSeconds: 0, caseActivityDeliveryWaitMs: 0 });
    expect(() => gatewayConfig({ NODE_ENV: "test", CASE_ACTIVITY_RELAY_INTERVAL_SECONDS: "-1" })).toThrow(/CASE_ACTIVITY_RELAY_INTERVAL_SECONDS/);
    expect(() => gatewayConfig({ NODE_ENV: "test", CASE_ACTIVITY_DELIVERY_WAIT_MS: "soon" })).toThrow(/CASE_ACTIVITY_DELIVERY_WAIT_MS/);
  });

  it("runs the pass after exactly the client mutations that the supergraph joins to threat-analysis", () => {
    const fields = mutationFieldsOf(readFileSync("schema/supergraph.graphql", "utf8"), "threat-analysis");
    for (const name of ["submitForAnalysis", "recordFileVerdict", "recordUrlRating", "recordEmailVerdict", "recordAttkFile", "requestFileAction", "requestAttkAction"]) expect(fields).toContain(name);
    for (const name of ["createCase", "addCaseUpdate", "uploadAttachments", "claimCaseActivities", "ackCaseActivities", "applyCaseActivities"]) expect(fields).not.toContain(name);
  });
});
