import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { savedOperations } from "../../gateway/explorer/explorer-operations.js";
import { DEMO_CASES, demoClient, loadDemoData } from "../../scripts/demo-data.js";
import { spreadDemoStoryOverTime } from "../../scripts/demo-timeline.js";
import { DATABASES } from "../support/databases.js";
import { startGraph, TEST_JWT_SECRET, type TestGraph } from "../support/graph.js";

/** Every sub-status but NO_CUSTOMER_RESPONSE, which only the auto-close job sets. */
const REACHABLE_BY_API = ["RECEIVED", "IN_PROGRESS", "INFORMATION_REQUESTED", "SOLUTION_PROVIDED", "ESCALATED", "CUSTOMER_UPDATED", "RESOLVED", "CLOSE_AGREED", "CLOSED_BY_CUSTOMER", "OUT_OF_SCOPE"];

const CASE_NUMBERS = "{ cases(first: 100) { totalCount edges { node { id } } } }";

// One case at a time: the whole story in one query would exceed the gateway's cost limit.
const CASE_STORY = `query($id: ID!) {
  case(id: $id) {
    caseNumber inquiryType subStatus organization { id } registrant { name role }
    history(first: 30) { edges { node { field oldValue actor { role } } } }
    updates(first: 20) { edges { node { author { role } } } }
    attachments(first: 10) { totalCount edges { node { fileName state } } }
    threatAnalysis {
      files { verdict officialPatternVersion virusInfoUrl cleanupInstructions verdictHistory { verdict } requests { action state response outcome } }
      urls { rating } emails { verdict }
      attk { collected findings filesToCollect requests { action state response outcome } }
    }
  }
}`;

describe.each(DATABASES)("the demo story on %s", (database) => {
  let graph: TestGraph;
  let cases: any[];

  beforeAll(async () => {
    graph = await startGraph({ database });
    const created = await loadDemoData(demoClient(graph.gatewayUrl, TEST_JWT_SECRET), () => undefined);
    expect(created).toBe(DEMO_CASES.length);
    // As npm start does: the story spreads over the past day and a half.
    await spreadDemoStoryOverTime({ cases: graph.cases.dataSource, others: [graph.attachments.dataSource, graph.threats.dataSource] });
    const engineer = await graph.tokenFor("engineer@support.example");
    const listed = await graph.request({ query: CASE_NUMBERS, token: engineer });
    expect(listed.errors).toBeUndefined();
    cases = [];
    for (const edge of listed.data!.cases.edges) {
      const story = await graph.request({ query: CASE_STORY, variables: { id: edge.node.id }, token: engineer });
      expect(story.errors).toBeUndefined();
      cases.push(story.data!.case);
    }
  });
  afterAll(() => graph?.stop());

  it.each(["acme", "globex"])("gives %s product and threat cases in every sub-status an API user can reach", (organizationId) => {
    const own = cases.filter((c) => c.organization.id === organizationId);
    expect(new Set(own.map((c) => c.subStatus))).toEqual(new Set(REACHABLE_BY_API));
    expect(new Set(own.map((c) => c.inquiryType))).toEqual(new Set(["PRODUCT", "THREAT"]));
  });

  it("has updates written by customers, partner staff and engineers", () => {
    const roles = new Set(cases.flatMap((c) => c.updates.edges.map((edge: any) => edge.node.author.role)));
    expect(roles).toEqual(new Set(["CUSTOMER", "PARTNER", "ENGINEER"]));
  });

  it("has cases registered on a customer's behalf, by partner staff and by an engineer, whose registrant is the customer", () => {
    // Who registered it: the actor of the case's first status.
    const registeredBy = (c: any) => c.history.edges.find((e: any) => e.node.field === "status" && e.node.oldValue === null).node.actor.role;
    const onBehalf = cases.filter((c) => c.registrant.role === "CUSTOMER" && registeredBy(c) !== "CUSTOMER");
    expect(new Set(onBehalf.map(registeredBy))).toEqual(new Set(["PARTNER", "ENGINEER"]));
    expect(onBehalf.map((c) => c.registrant.name).sort()).toEqual(["Hank Scorpio", "Yuki Yamada"]);
  });

  it("makes the explorer's example case a demo threat case with updates from both sides", () => {
    const { caseNumber } = JSON.parse(savedOperations(new Date().getUTCFullYear())[1]!.variables);
    const example = cases.find((c) => c.caseNumber === caseNumber);
    expect(example).toMatchObject({ inquiryType: "THREAT", organization: { id: "acme" } });
    expect(new Set(example.updates.edges.map((edge: any) => edge.node.author.role))).toEqual(new Set(["CUSTOMER", "ENGINEER"]));
  });

  it("has attachments on product and threat cases, threat cases' as encrypted ZIPs", () => {
    const withFiles = cases.filter((c) => c.attachments.totalCount > 0);
    expect(new Set(withFiles.map((c) => c.inquiryType))).toEqual(new Set(["PRODUCT", "THREAT"]));
    expect(new Set(withFiles.map((c) => c.organization.id))).toEqual(new Set(["acme", "globex"]));
    const threatFiles = withFiles.filter((c) => c.inquiryType === "THREAT").flatMap((c) => c.attachments.edges.map((e: any) => e.node));
    expect(threatFiles.every((file: any) => file.fileName.endsWith(".zip") && file.state === "ATTACHED")).toBe(true);
  });

  it("has threat results of every verdict and rating, with requests on files and ATTK collections", () => {
    const results = cases.flatMap((c) => (c.threatAnalysis ? [c.threatAnalysis] : []));
    const files = results.flatMap((r) => r.files);
    expect(new Set(files.map((f: any) => f.verdict))).toEqual(new Set(["DANGEROUS", "NO_PROBLEM", "ANALYZING"]));
    expect(new Set(files.flatMap((f: any) => f.requests.map((request: any) => request.action)))).toEqual(
      new Set(["REQUEST_REANALYSIS", "REPORT_FALSE_POSITIVE", "REQUEST_PATTERN_FILE", "REQUEST_DETECTION_NAME", "REQUEST_VIRUS_INFO", "REPORT_CLEANUP_FAILURE"]),
    );
    expect(new Set(results.flatMap((r) => r.urls.map((u: any) => u.rating)))).toEqual(new Set(["SAFE", "SUSPICIOUS", "DANGEROUS", "UNRATED"]));
    expect(new Set(results.flatMap((r) => r.emails.map((e: any) => e.verdict)))).toEqual(new Set(["NORMAL", "SPAM", "UNANALYZABLE", "ANALYZING"]));
    const attk = results.flatMap((r) => r.attk);
    expect(new Set(attk.map((a: any) => a.collected))).toEqual(new Set([true, false]));
    expect(new Set(attk.flatMap((a: any) => a.requests.map((request: any) => request.action)))).toEqual(new Set(["REQUEST_LOG_REANALYSIS", "COLLECT_MORE_FILES"]));
  });

  it("shows requests in every state, and a DONE answer of every action with its outcome on the result", () => {
    const results = cases.flatMap((c) => (c.threatAnalysis ? [c.threatAnalysis] : []));
    const files = results.flatMap((r) => r.files);
    const attk = results.flatMap((r) => r.attk);
    const requests = [...files, ...attk].flatMap((result: any) => result.requests);
    expect(new Set(requests.map((r: any) => r.state))).toEqual(new Set(["SUBMITTED", "IN_PROGRESS", "DONE", "REJECTED"]));
    for (const answered of requests.filter((r: any) => r.state === "DONE" || r.state === "REJECTED")) expect(answered.response).toEqual(expect.any(String));
    const done = requests.filter((r: any) => r.state === "DONE");
    expect(new Set(done.map((r: any) => r.action))).toEqual(
      new Set(["REQUEST_REANALYSIS", "REPORT_FALSE_POSITIVE", "REQUEST_PATTERN_FILE", "REQUEST_DETECTION_NAME", "REQUEST_VIRUS_INFO", "REPORT_CLEANUP_FAILURE", "REQUEST_LOG_REANALYSIS", "COLLECT_MORE_FILES"]),
    );
    for (const r of done) expect(r.outcome).toEqual(expect.any(String));
    // What the answers recorded on the results: a re-analysed and a corrected verdict (with their history), an official pattern, a link, instructions, files to collect, findings.
    expect(files.some((f: any) => f.verdictHistory.length >= 2 && f.verdictHistory.at(-1).verdict === "NO_PROBLEM")).toBe(true);
    expect(files.some((f: any) => f.verdictHistory.length >= 2 && f.verdictHistory.at(-1).verdict === "DANGEROUS")).toBe(true);
    expect(files.some((f: any) => f.officialPatternVersion)).toBe(true);
    expect(files.some((f: any) => f.virusInfoUrl?.startsWith("https://"))).toBe(true);
    expect(files.some((f: any) => f.cleanupInstructions)).toBe(true);
    expect(attk.some((a: any) => a.filesToCollect.length > 0)).toBe(true);
    expect(attk.some((a: any) => a.findings)).toBe(true);
  });

  it("has an e-mail submitted as a .eml file whose attached files were analysed", async () => {
    const engineer = await graph.tokenFor("engineer@support.example");
    const emails: any[] = [];
    for (const c of cases.filter((each) => each.threatAnalysis?.emails.length)) {
      const read = await graph.request({
        query: `query($number: String!) { caseByNumber(caseNumber: $number) { threatAnalysis { emails { name verdict attachment { fileName } files { fileName verdict detectionName email { name } } } } } }`,
        variables: { number: c.caseNumber },
        token: engineer,
      });
      expect(read.errors).toBeUndefined();
      emails.push(...read.data!.caseByNumber.threatAnalysis.emails);
    }
    const withFiles = emails.filter((email) => email.files.length > 0);
    expect(withFiles.length).toBeGreaterThan(0);
    for (const email of withFiles) {
      expect(email.attachment?.fileName).toMatch(/\.zip$/);
      for (const file of email.files) expect(file.email.name).toBe(email.name);
    }
    expect(new Set(withFiles.flatMap((email) => email.files.map((file: any) => file.verdict)))).toEqual(new Set(["DANGEROUS", "NO_PROBLEM"]));
  });

  it("spreads the story over time, so that the engineers' queue shows overdue requests and the case list overdue cases next to ones still within their target", async () => {
    const engineer = await graph.tokenFor("engineer@support.example");
    const read = await graph.request({
      query: `{
        overdueCases: cases(first: 100, filter: { overdue: true }) { totalCount }
        waitingCases: cases(first: 100, filter: { overdue: false, status: OPEN, subStatus: [RECEIVED, CUSTOMER_UPDATED] }) { totalCount }
        overdueRequests: analysisRequests(first: 100, filter: { overdue: true }) { totalCount edges { node { overdue dueAt } } }
      }`,
      token: engineer,
    });
    expect(read.errors).toBeUndefined();
    const { overdueCases, waitingCases, overdueRequests } = read.data!;
    expect(overdueCases.totalCount).toBeGreaterThan(0);
    expect(waitingCases.totalCount).toBeGreaterThan(0);
    expect(overdueRequests.totalCount).toBeGreaterThan(0);
    for (const edge of overdueRequests.edges) expect(Date.parse(edge.node.dueAt)).toBeLessThan(Date.now());
  });

  it("shows initech's staff acme's cases only", async () => {
    const partnerView = await graph.request({ query: "{ cases(first: 100) { totalCount edges { node { organization { id } } } } }", token: await graph.tokenFor("staff@initech.example") });
    expect(partnerView.data!.cases.totalCount).toBe(cases.filter((c) => c.organization.id === "acme").length);
    expect(new Set(partnerView.data!.cases.edges.map((edge: any) => edge.node.organization.id))).toEqual(new Set(["acme"]));
  });

  it("loads only into a graph without cases, so a restart adds nothing", async () => {
    expect(await loadDemoData(demoClient(graph.gatewayUrl, TEST_JWT_SECRET), () => undefined)).toBe(0);
    const again = await graph.request({ query: "{ cases { totalCount } }", token: await graph.tokenFor("engineer@support.example") });
    expect(again.data!.cases.totalCount).toBe(DEMO_CASES.length);
  });
});
