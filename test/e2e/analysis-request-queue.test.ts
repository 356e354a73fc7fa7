import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caseApi } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { errorOf, threatApi } from "../support/threat-api.js";

const HOUR = 60 * 60 * 1000;
const T0 = new Date("2026-04-06T08:00:00.000Z");
const at = (hours: number, ms = 0) => new Date(T0.getTime() + hours * HOUR + ms);

const QUEUE = `query($first: Int, $after: String, $filter: AnalysisRequestFilter, $orderBy: AnalysisRequestOrder) {
  analysisRequests(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id action state requestedAt dueAt overdue case { id caseNumber severity } } }
  }
}`;

/**
 * docs/domain.md, "The engineers' queue" and "Response targets": `analysisRequests` lists analysis
 * requests across organizations, oldest first, filtered and keyset-paginated; an open request is due
 * the target hours of the severity its case had when it was made. The clock is moved, never waited on.
 */
describe.each(DATABASES)("the engineers' queue of analysis requests on %s", (database) => {
  let graph: TestGraph;
  let api: ReturnType<typeof threatApi>;
  let tokens: Record<"acme" | "globex" | "partner" | "engineer", string>;
  let now = T0;
  /** The four requests, in the order they were made (see beforeAll). */
  const r: Record<"patternFile" | "cleanup" | "virusInfo" | "falsePositive", string> = { patternFile: "", cleanup: "", virusInfo: "", falsePositive: "" };
  const caseIds: Record<"acmeHigh" | "globexMedium" | "acmeLow", string> = { acmeHigh: "", globexMedium: "", acmeLow: "" };

  async function dangerousFile(token: string, caseId: string): Promise<string> {
    const file = await api.uploadZip(token, caseId, "sample.zip");
    const [analysing] = (await api.submit(token, { caseId, attachmentIds: [file.id] })).data!.submitForAnalysis.threatAnalysis.files;
    expect((await api.recordFileVerdict(tokens.engineer, { fileAnalysisId: analysing.id, verdict: "DANGEROUS", detectionName: "TROJ_TEST.A", patternVersion: "19.101.00" })).errors).toBeUndefined();
    return analysing.id as string;
  }

  async function request(token: string, fileAnalysisId: string, action: string): Promise<string> {
    const made = await api.requestFileAction(token, { fileAnalysisId, action, comment: `Please: ${action}` });
    expect(made.errors).toBeUndefined();
    return made.data!.requestFileAction.request.id as string;
  }

  async function queue(token: string, variables: Record<string, unknown> = {}) {
    const response = await graph.request({ query: QUEUE, variables: { first: 100, ...variables }, token });
    expect(response.errors).toBeUndefined();
    return response.data!.analysisRequests as { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { cursor: string; node: any }[] };
  }

  const ids = async (token: string, variables: Record<string, unknown> = {}) => (await queue(token, variables)).edges.map((edge) => edge.node.id as string);

  beforeAll(async () => {
    graph = await startGraph({ database, clock: () => now });
    api = threatApi(graph);
    tokens = {
      acme: await graph.tokenFor("customer@acme.example"),
      globex: await graph.tokenFor("customer@globex.example"),
      partner: await graph.tokenFor("staff@initech.example"),
      engineer: await graph.tokenFor("engineer@support.example"),
    };
    caseIds.acmeHigh = await api.createThreatCase(tokens.acme, "INFECTION_ANALYSIS", { severity: "HIGH", businessImpact: "The file server is isolated." });
    caseIds.globexMedium = await api.createThreatCase(tokens.globex, "INFECTION_ANALYSIS", { severity: "MEDIUM", productProfileId: "globex-server" });
    caseIds.acmeLow = await api.createThreatCase(tokens.acme, "INFECTION_ANALYSIS", { severity: "LOW" });
    const acmeHighFile = await dangerousFile(tokens.acme, caseIds.acmeHigh);
    const globexFile = await dangerousFile(tokens.globex, caseIds.globexMedium);
    const acmeLowFile = await dangerousFile(tokens.acme, caseIds.acmeLow);

    r.patternFile = await request(tokens.acme, acmeHighFile, "REQUEST_PATTERN_FILE");
    now = at(1);
    r.cleanup = await request(tokens.globex, globexFile, "REPORT_CLEANUP_FAILURE");
    now = at(2);
    r.virusInfo = await request(tokens.partner, acmeHighFile, "REQUEST_VIRUS_INFO");
    now = at(3);
    r.falsePositive = await request(tokens.acme, acmeLowFile, "REPORT_FALSE_POSITIVE");
    now = at(4);
    // An engineer takes one request and turns another down (the request lifecycle).
    const started = await graph.request({
      query: `mutation($input: StartAnalysisRequestInput!) { startAnalysisRequest(input: $input) { request { state } } }`,
      variables: { input: { requestId: r.virusInfo } },
      token: tokens.engineer,
    });
    expect(started.errors).toBeUndefined();
    const rejected = await graph.request({
      query: `mutation($input: AnswerAnalysisRequestInput!) { answerAnalysisRequest(input: $input) { request { state } } }`,
      variables: { input: { requestId: r.falsePositive, state: "REJECTED", response: "The detection is correct: the file is a dropper." } },
      token: tokens.engineer,
    });
    expect(rejected.errors).toBeUndefined();
    now = at(10);
  });
  afterAll(() => graph?.stop());

  it("lists every organization's requests to engineers, oldest first, with their case", async () => {
    const all = await queue(tokens.engineer);
    expect(all.totalCount).toBe(4);
    expect(all.edges.map((edge) => edge.node.id)).toEqual([r.patternFile, r.cleanup, r.virusInfo, r.falsePositive]);
    expect(all.edges.map((edge) => [edge.node.action, edge.node.state])).toEqual([
      ["REQUEST_PATTERN_FILE", "SUBMITTED"],
      ["REPORT_CLEANUP_FAILURE", "SUBMITTED"],
      ["REQUEST_VIRUS_INFO", "IN_PROGRESS"],
      ["REPORT_FALSE_POSITIVE", "REJECTED"],
    ]);
    expect(all.edges[1]!.node.case).toMatchObject({ id: caseIds.globexMedium, severity: "MEDIUM", caseNumber: expect.stringMatching(/^C-2026-\d{6}$/) });
    expect(await ids(tokens.engineer, { orderBy: "NEWEST_FIRST" })).toEqual([r.falsePositive, r.virusInfo, r.cleanup, r.patternFile]);
  });

  it("pages with keyset cursors, in either order, and refuses bad page arguments", async () => {
    const first = await queue(tokens.engineer, { first: 3 });
    expect(first.edges.map((edge) => edge.node.id)).toEqual([r.patternFile, r.cleanup, r.virusInfo]);
    expect(first.pageInfo).toEqual({ hasNextPage: true, endCursor: first.edges[2]!.cursor });
    const second = await queue(tokens.engineer, { first: 3, after: first.pageInfo.endCursor });
    expect(second.edges.map((edge) => edge.node.id)).toEqual([r.falsePositive]);
    expect(second.pageInfo.hasNextPage).toBe(false);
    // A page keeps its place: a filter narrows what follows the cursor, totalCount counts the whole filter.
    const open = await queue(tokens.engineer, { first: 1, after: first.edges[0]!.cursor, filter: { states: ["SUBMITTED", "IN_PROGRESS"] } });
    expect(open.edges.map((edge) => edge.node.id)).toEqual([r.cleanup]);
    expect(open.totalCount).toBe(3);
    const newest = await queue(tokens.engineer, { first: 2, orderBy: "NEWEST_FIRST" });
    expect(await ids(tokens.engineer, { first: 2, orderBy: "NEWEST_FIRST", after: newest.pageInfo.endCursor })).toEqual([r.cleanup, r.patternFile]);

    for (const variables of [{ first: 0 }, { first: 101 }, { after: "not-a-cursor" }]) {
      const refused = await graph.request({ query: QUEUE, variables, token: tokens.engineer });
      expect(errorOf(refused), JSON.stringify(variables)).toMatchObject({ code: "BAD_USER_INPUT" });
    }
  });

  it("shows customers and partners their organizations' requests only", async () => {
    expect(await ids(tokens.acme)).toEqual([r.patternFile, r.virusInfo, r.falsePositive]);
    expect(await ids(tokens.globex)).toEqual([r.cleanup]);
    expect(await ids(tokens.partner)).toEqual([r.patternFile, r.virusInfo, r.falsePositive]);
    // Asking for another organization's requests finds none, as if they did not exist.
    expect(await queue(tokens.acme, { filter: { organizationIds: ["globex"] } })).toMatchObject({ totalCount: 0, edges: [] });
    expect(await ids(tokens.globex, { filter: { caseIds: [caseIds.acmeHigh] } })).toEqual([]);
    expect(await ids(tokens.globex, { filter: { overdue: true } })).toEqual([]);
  });

  it("filters by state, action, organization, case and request time", async () => {
    expect(await ids(tokens.engineer, { filter: { states: ["SUBMITTED"] } })).toEqual([r.patternFile, r.cleanup]);
    expect(await ids(tokens.engineer, { filter: { states: ["SUBMITTED", "IN_PROGRESS"] } })).toEqual([r.patternFile, r.cleanup, r.virusInfo]);
    expect(await ids(tokens.engineer, { filter: { states: ["DONE"] } })).toEqual([]);
    expect(await ids(tokens.engineer, { filter: { actions: ["REQUEST_VIRUS_INFO", "REPORT_FALSE_POSITIVE"] } })).toEqual([r.virusInfo, r.falsePositive]);
    expect(await ids(tokens.engineer, { filter: { organizationIds: ["globex"] } })).toEqual([r.cleanup]);
    expect(await ids(tokens.engineer, { filter: { caseIds: [caseIds.acmeLow, caseIds.globexMedium] } })).toEqual([r.cleanup, r.falsePositive]);
    expect(await ids(tokens.engineer, { filter: { requestedBefore: at(2).toISOString() } })).toEqual([r.patternFile, r.cleanup]);
    expect(await ids(tokens.engineer, { filter: { requestedSince: at(2).toISOString() } })).toEqual([r.virusInfo, r.falsePositive]);
    expect(await ids(tokens.engineer, { filter: { organizationIds: ["acme"], states: ["SUBMITTED", "IN_PROGRESS"], requestedSince: at(1).toISOString() } })).toEqual([r.virusInfo]);
    // An empty list is no condition, as in cases(filter:).
    expect(await ids(tokens.engineer, { filter: { states: [] } })).toHaveLength(4);

    const unknownAction = await graph.request({ query: QUEUE, variables: { filter: { actions: ["PLEASE_HURRY"] } }, token: tokens.engineer });
    expect(errorOf(unknownAction)).toMatchObject({ code: "BAD_USER_INPUT", field: "filter.actions" });
    const tooMany = await graph.request({ query: QUEUE, variables: { filter: { caseIds: Array.from({ length: 101 }, (_, i) => `case-${i}`) } }, token: tokens.engineer });
    expect(errorOf(tooMany)).toMatchObject({ code: "BAD_USER_INPUT", field: "filter.caseIds" });
  });

  it("makes open requests due by their case's severity and overdue after that, in the fields and the filter, as the clock moves", async () => {
    const byId = async () => new Map((await queue(tokens.engineer)).edges.map((edge) => [edge.node.id as string, edge.node]));
    // At T0 + 10 h: the HIGH request made at T0 was due at T0 + 8 h; the one made at T0 + 2 h is due right now, not yet overdue.
    let nodes = await byId();
    expect(nodes.get(r.patternFile)).toMatchObject({ dueAt: at(8).toISOString(), overdue: true });
    expect(nodes.get(r.cleanup)).toMatchObject({ dueAt: at(25).toISOString(), overdue: false });
    expect(nodes.get(r.virusInfo)).toMatchObject({ state: "IN_PROGRESS", dueAt: at(10).toISOString(), overdue: false });
    expect(nodes.get(r.falsePositive)).toMatchObject({ state: "REJECTED", dueAt: null, overdue: false });
    expect(await ids(tokens.engineer, { filter: { overdue: true } })).toEqual([r.patternFile]);
    expect(await ids(tokens.engineer, { filter: { overdue: false } })).toEqual([r.cleanup, r.virusInfo, r.falsePositive]);

    now = at(10, 1);
    expect((await byId()).get(r.virusInfo)!.overdue).toBe(true);
    expect(await ids(tokens.engineer, { filter: { overdue: true } })).toEqual([r.patternFile, r.virusInfo]);
    expect(await ids(tokens.acme, { filter: { overdue: true } })).toEqual([r.patternFile, r.virusInfo]);
    expect(await ids(tokens.engineer, { filter: { overdue: true, organizationIds: ["globex"] } })).toEqual([]);

    now = at(25, 1);
    nodes = await byId();
    expect(nodes.get(r.cleanup)!.overdue).toBe(true);
    expect(nodes.get(r.falsePositive)!.overdue).toBe(false);
    expect(await ids(tokens.engineer, { filter: { overdue: true } })).toEqual([r.patternFile, r.cleanup, r.virusInfo]);
    expect(await ids(tokens.engineer, { filter: { overdue: false } })).toEqual([r.falsePositive]);
    now = at(10);
  });

  it("keeps a request's target from the severity its case had when it was made; requests made after a change take the new one", async () => {
    // docs/domain.md: the severity is stored with the request so that the overdue filter runs in SQL; the case's own dueAt follows every change.
    const cases = caseApi(graph);
    expect((await cases.update(tokens.acme, { caseId: caseIds.acmeHigh, severity: "LOW" })).errors).toBeUndefined();
    const nodes = new Map((await queue(tokens.engineer, { filter: { caseIds: [caseIds.acmeHigh] } })).edges.map((edge) => [edge.node.id as string, edge.node]));
    expect(nodes.get(r.patternFile)).toMatchObject({ dueAt: at(8).toISOString(), overdue: true, case: { severity: "LOW" } });

    const fileAnalysisId = (await api.analysisOf(tokens.acme, caseIds.acmeHigh)).files[0].id as string;
    const later = await request(tokens.acme, fileAnalysisId, "REQUEST_DETECTION_NAME");
    const made = (await queue(tokens.engineer, { filter: { caseIds: [caseIds.acmeHigh] } })).edges.find((edge) => edge.node.id === later)!.node;
    expect(made).toMatchObject({ requestedAt: at(10).toISOString(), dueAt: at(82).toISOString(), overdue: false });
  });
});
