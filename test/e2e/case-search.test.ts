import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caseApi, codeOf } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { type ExtraGateway, startGatewayOver } from "../support/extra-gateway.js";
import { requestAs, startGraph, type TestGraph } from "../support/graph.js";
import { startTcpProxy } from "../support/tcp-proxy.js";
import { threatApi } from "../support/threat-api.js";
import { upload } from "../support/uploads.js";

const SEARCH = `query($search: String!, $first: Int, $after: String, $orderBy: CaseOrder) {
  cases(first: $first, after: $after, filter: { search: $search }, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id caseNumber title } snippet { field updateId segments { text matched } } }
  }
}`;

interface Found {
  totalCount: number;
  ids: string[];
  titles: string[];
  snippets: ({ field: string; updateId: string | null; segments: { text: string; matched: boolean }[] } | null)[];
  endCursor: string | null;
  hasNextPage: boolean;
}

/** README, Search: full-text search of the cases a caller may see, through the gateway as a client searches. */
describe.each(DATABASES)("case search on %s", (database) => {
  let graph: TestGraph;
  let cases: ReturnType<typeof caseApi>;
  let threats: ReturnType<typeof threatApi>;
  let acme: string;
  let globex: string;
  let engineer: string;
  const ids: Record<string, string> = {};
  /** The services' clock runs with real time, moved ahead by `skip` (the outbox's retry back-off). */
  let offset = 0;
  const numbers: Record<string, string> = {};

  async function create(key: string, token: string, input: Record<string, unknown>): Promise<string> {
    const created = await cases.create(token, input);
    expect(created.errors).toBeUndefined();
    ids[key] = created.data!.createCase.case.id;
    numbers[key] = created.data!.createCase.case.caseNumber;
    return ids[key]!;
  }

  async function search(search: string, token = acme, extra: { first?: number; after?: string; orderBy?: Record<string, string> } = {}): Promise<Found> {
    const response = await graph.request({ query: SEARCH, variables: { search, ...extra }, token });
    expect(response.errors).toBeUndefined();
    const connection = response.data!.cases;
    return {
      totalCount: connection.totalCount,
      ids: connection.edges.map((e: any) => e.node.id),
      titles: connection.edges.map((e: any) => e.node.title),
      snippets: connection.edges.map((e: any) => e.snippet),
      endCursor: connection.pageInfo.endCursor,
      hasNextPage: connection.pageInfo.hasNextPage,
    };
  }

  beforeAll(async () => {
    graph = await startGraph({ database, clock: () => new Date(Date.now() + offset) });
    cases = caseApi(graph);
    threats = threatApi(graph);
    acme = await graph.tokenFor("customer@acme.example");
    globex = await graph.tokenFor("customer@globex.example");
    engineer = await graph.tokenFor("engineer@support.example");
    await create("japanese", acme, { title: "先月の駆除失敗の件", description: "ウイルス検出のあと、再起動しても駆除できませんでした。" });
    await create("english", acme, { title: "Agent shows an error", description: "The agent log shows error 0x80070005 after the upgrade; the console is fine." });
    await create("mixed", acme, { title: "Apex Oneで検索エラー", description: "管理コンソールで scan job が timeout になります。" });
    await create("titleHit", acme, { title: "Quarantine folder full", description: "Nothing else to say." });
    await create("updateHit", acme, { title: "Slow machines", description: "Scans take long." });
    const update = await cases.addUpdate(acme, { caseId: ids.updateHit, body: "The quarantine folder grew to 40 GB overnight." });
    expect(update.errors).toBeUndefined();
    await create("globex", globex, { title: "駆除 on the globex servers", description: "Globex-only secret word zanzibarite.", productProfileId: "globex-server" });
  });
  afterAll(async () => {
    await graph?.stop();
  });

  it("finds Japanese two- and three-character words anywhere in a title or description, and not words the case does not hold", async () => {
    for (const word of ["駆除", "検出", "駆除失", "再起動", "ウイルス"]) expect((await search(word)).ids, word).toEqual([ids.japanese]);
    expect((await search("駆除成功")).ids).toEqual([]);
    expect((await search("起動失敗")).ids).toEqual([]);
  });

  it("finds English words in any order (every one must match), word prefixes, and phrases in quotes only in their order", async () => {
    expect((await search("error agent")).ids).toEqual([ids.english]);
    expect((await search("ERROR Agent")).ids).toEqual([ids.english]);
    expect((await search("0x8007")).ids).toEqual([ids.english]);
    expect((await search("agent printer")).ids).toEqual([]);
    expect((await search('"agent log"')).ids).toEqual([ids.english]);
    expect((await search('"log agent"')).ids).toEqual([]);
    expect((await search('"agent log" upgrade')).ids).toEqual([ids.english]);
  });

  it("finds mixed Japanese and English text, full-width letters as their ASCII forms", async () => {
    expect((await search("apex 検索")).ids).toEqual([ids.mixed]);
    expect((await search("ＡＰＥＸ　ｏｎｅ")).ids).toEqual([ids.mixed]);
    expect((await search("コンソール timeout")).ids).toEqual([ids.mixed]);
    expect((await search("コンソール 駆除")).ids).toEqual([]);
  });

  it("finds a case by its number, whole or in part", async () => {
    expect((await search(numbers.english!)).ids).toEqual([ids.english]);
    expect((await search(numbers.english!.toLowerCase())).ids).toEqual([ids.english]);
  });

  it("finds words of updates, searchable as soon as addCaseUpdate answers, with a snippet of that update", async () => {
    const word = "frobnicator";
    expect((await search(word)).ids).toEqual([]);
    const added = await cases.addUpdate(acme, { caseId: ids.english, body: `Replacing the ${word} module fixed it; 管理者に連絡済み.` });
    expect(added.errors).toBeUndefined();
    const found = await search(`${word} 連絡`);
    expect(found.ids).toEqual([ids.english]);
    expect(found.snippets[0]).toMatchObject({ field: "UPDATE", updateId: added.data!.addCaseUpdate.update.id });
    expect(found.snippets[0]!.segments.filter((s) => s.matched).map((s) => s.text)).toEqual([word, "連絡"]);
  });

  it("finds names of files attached to a case, as soon as the update that attaches them answers (attachments subgraph)", async () => {
    const name = "diagnostic-bundle-kestrel.zip";
    const staged = await upload(graph, { token: acme, input: { caseId: ids.updateHit }, files: [{ name, type: "application/zip", data: Buffer.from("not really a zip") }] });
    expect(staged.errors).toBeUndefined();
    // A staged file is its uploader's alone and not part of the case: not searchable yet.
    expect((await search("kestrel")).ids).toEqual([]);
    const sent = await cases.addUpdate(acme, { caseId: ids.updateHit, attachmentIds: [staged.data!.uploadAttachments.attachments[0].id] });
    expect(sent.errors).toBeUndefined();
    const found = await search("kestrel");
    expect(found.ids).toEqual([ids.updateHit]);
    expect(found.snippets[0]).toEqual({
      field: "FILE_NAME",
      updateId: null,
      segments: [
        { text: "diagnostic-bundle-", matched: false },
        { text: "kestrel", matched: true },
        { text: ".zip", matched: false },
      ],
    });
    // Files given at registration are indexed with the case.
    const atRegistration = await upload(graph, { token: acme, input: { organizationId: "acme" }, files: [{ name: "ostrich-capture.pcap", type: "application/octet-stream", data: Buffer.from("pcap") }] });
    expect(atRegistration.errors).toBeUndefined();
    const registered = await create("withFile", acme, { title: "Network capture", description: "See the file.", attachmentIds: [atRegistration.data!.uploadAttachments.attachments[0].id] });
    expect((await search("ostrich pcap")).ids).toEqual([registered]);
  });

  it("finds detection names and URLs of analysis results once the threat-analysis subgraph's activity is relayed (right after its mutation)", async () => {
    const caseId = await threats.createThreatCase(acme);
    const file = await threats.uploadZip(acme, caseId, "invoice-2026.zip");
    const submitted = await threats.submit(acme, { caseId, attachmentIds: [file.id], urls: ["https://phish.example-login.test/reset"] });
    expect(submitted.errors).toBeUndefined();
    expect((await search("phish.example-login.test")).ids).toEqual([caseId]);
    expect((await search("TROJ_QUOKKA")).ids).toEqual([]);
    const fileAnalysisId = submitted.data!.submitForAnalysis.threatAnalysis.files[0].id;
    const recorded = await threats.recordFileVerdict(engineer, { fileAnalysisId, verdict: "DANGEROUS", detectionName: "TROJ_QUOKKA.A", patternVersion: "19.1" });
    expect(recorded.errors).toBeUndefined();
    const found = await search("troj_quokka");
    expect(found.ids).toEqual([caseId]);
    expect(found.snippets[0]).toMatchObject({
      field: "ANALYSIS_RESULT",
      segments: [
        { text: "TROJ_QUOKKA", matched: true },
        { text: ".A", matched: false },
      ],
    });
    // The file name came with the update that attached it.
    expect((await search("invoice-2026")).ids).toEqual([caseId]);
  });

  it("loses no detection name while the cases subgraph is down: it is searchable once the relay delivers it", async () => {
    const cutOff = new URL(graph.urls.cases);
    const proxy = await startTcpProxy(cutOff.hostname, Number(cutOff.port));
    let extra: ExtraGateway | undefined;
    try {
      // A gateway whose relay reaches the cases subgraph through the proxy; threat-analysis still reaches cases directly.
      extra = await startGatewayOver(graph, { CASES_URL: `http://127.0.0.1:${proxy.port}/graphql`, CASE_ACTIVITY_RELAY_INTERVAL_SECONDS: "0" });
      const caseId = await threats.createThreatCase(acme);
      const file = await threats.uploadZip(acme, caseId, "dropper.zip");
      const submitted = await threats.submit(acme, { caseId, attachmentIds: [file.id] });
      expect(submitted.errors).toBeUndefined();
      await proxy.cut();
      const recorded = await requestAs<any>(extra.url, {
        query: `mutation($input: RecordFileVerdictInput!) { recordFileVerdict(input: $input) { threatAnalysis { files { verdict } } } }`,
        variables: { input: { fileAnalysisId: submitted.data!.submitForAnalysis.threatAnalysis.files[0].id, verdict: "DANGEROUS", detectionName: "WORM_PANGOLIN.B" } },
        token: engineer,
      });
      expect(recorded.errors).toBeUndefined();
      // Committed on the threat side, waiting in its outbox: not searchable yet.
      expect((await search("pangolin")).ids).toEqual([]);
      await proxy.restore();
      offset += 60_000;
      expect(await extra.gateway.caseActivityRelay.runOnce()).toEqual({ claimed: 1, delivered: 1, failed: 0 });
      expect((await search("pangolin")).ids).toEqual([caseId]);
    } finally {
      await extra?.stop();
      await proxy.close();
    }
  });

  it("never shows another organization's case, count or snippet", async () => {
    const acmeSees = await search("駆除");
    expect(acmeSees.ids).toEqual([ids.japanese]);
    expect(acmeSees.totalCount).toBe(1);
    expect((await search("zanzibarite")).totalCount).toBe(0);
    const globexSees = await search("駆除", globex);
    expect(globexSees.ids).toEqual([ids.globex]);
    expect(globexSees.totalCount).toBe(1);
    expect((await search("frobnicator", globex)).totalCount).toBe(0);
    expect((await search(numbers.english!, globex)).totalCount).toBe(0);
    // Engineers see every organization.
    expect(new Set((await search("駆除", engineer)).ids)).toEqual(new Set([ids.japanese, ids.globex]));
  });

  it("marks the matched words in snippets of the title or description, as plain-text segments", async () => {
    const found = await search("駆除 再起動");
    expect(found.snippets[0]!.field).toBe("DESCRIPTION");
    const segments = found.snippets[0]!.segments;
    expect(segments.map((s) => s.text).join("")).toBe("ウイルス検出のあと、再起動しても駆除できませんでした。");
    expect(segments.filter((s) => s.matched).map((s) => s.text)).toEqual(["再起動", "駆除"]);
    const title = await search("quarantine");
    expect(title.snippets[title.ids.indexOf(ids.titleHit!)]).toEqual({
      field: "TITLE",
      updateId: null,
      segments: [
        { text: "Quarantine", matched: true },
        { text: " folder full", matched: false },
      ],
    });
    // Without a search, no snippet.
    const plain = await graph.request({ query: "{ cases(first: 1) { edges { snippet { field } } } }", token: acme });
    expect(plain.data!.cases.edges[0].snippet).toBeNull();
  });

  it("orders by RELEVANCE (a title match before an update match), pages through it, and keeps the other orders", async () => {
    const ranked = await search("quarantine folder", acme, { orderBy: { field: "RELEVANCE", direction: "DESC" } });
    expect(ranked.ids).toEqual([ids.titleHit, ids.updateHit]);
    const first = await search("quarantine folder", acme, { first: 1, orderBy: { field: "RELEVANCE", direction: "DESC" } });
    expect(first.ids).toEqual([ids.titleHit]);
    expect(first.hasNextPage).toBe(true);
    const second = await search("quarantine folder", acme, { first: 1, after: first.endCursor!, orderBy: { field: "RELEVANCE", direction: "DESC" } });
    expect(second.ids).toEqual([ids.updateHit]);
    expect(second.hasNextPage).toBe(false);
    // The existing orders still apply to search results: the update moved updateHit to the top by update time.
    expect((await search("quarantine folder", acme, { orderBy: { field: "UPDATED_AT", direction: "DESC" } })).ids).toEqual([ids.updateHit, ids.titleHit]);
    expect((await search("quarantine folder", acme, { orderBy: { field: "CREATED_AT", direction: "ASC" } })).ids).toEqual([ids.titleHit, ids.updateHit]);
    const noSearch = await graph.request({ query: "{ cases(orderBy: { field: RELEVANCE, direction: DESC }) { totalCount } }", token: acme });
    expect(codeOf(noSearch)).toBe("BAD_USER_INPUT");
  });

  it("refuses an empty search, one over 200 characters, or one of operators only, with BAD_USER_INPUT on filter.search", async () => {
    for (const bad of ["", "   ", "x".repeat(201), '"" + - * ( )', "AND OR NOT", "「」、。"]) {
      const response = await graph.request({ query: SEARCH, variables: { search: bad }, token: acme });
      expect(codeOf(response), JSON.stringify(bad)).toBe("BAD_USER_INPUT");
      expect(response.errors![0]!.extensions!.field).toBe("filter.search");
    }
    expect((await search("あ".repeat(200))).ids).toEqual([]);
  });

  it("reads engine syntax and SQL in a search as plain words", async () => {
    for (const text of ["'; DROP TABLE cases; --", 'title:agent NEAR(agent error) "unbalanced', "agent* -error +log ~x @2 >a <b", "100% _under\\score!", '\\"); SELECT 1; --']) {
      const response = await graph.request({ query: SEARCH, variables: { search: text }, token: acme });
      expect(response.errors, text).toBeUndefined();
    }
    // Operators are dropped, the words stay: "+agent -error" is "agent error".
    expect((await search("+agent -error")).ids).toEqual([ids.english]);
    expect((await search("agent OR printer")).ids).toEqual([]);
    expect((await graph.request({ query: "{ cases(first: 1) { totalCount } }", token: acme })).data!.cases.totalCount).toBeGreaterThan(5);
  });
});
