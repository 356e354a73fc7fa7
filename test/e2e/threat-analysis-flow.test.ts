import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASES } from "../support/databases.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { errorCode, errorOf, threatApi } from "../support/threat-api.js";

const SIX_ACTIONS = ["REQUEST_REANALYSIS", "REPORT_FALSE_POSITIVE", "REQUEST_PATTERN_FILE", "REQUEST_DETECTION_NAME", "REQUEST_VIRUS_INFO", "REPORT_CLEANUP_FAILURE"];
const sorted = (values: string[]) => [...values].sort();

describe.each(DATABASES)("threat analysis through the gateway on %s", (database) => {
  let graph: TestGraph;
  let api: ReturnType<typeof threatApi>;
  let customer: string;
  let engineer: string;

  beforeAll(async () => {
    graph = await startGraph({ database });
    api = threatApi(graph);
    customer = await graph.tokenFor("customer@acme.example");
    engineer = await graph.tokenFor("engineer@support.example");
  });
  afterAll(() => graph?.stop());

  it("takes a submitted file from ANALYZING to DANGEROUS and records the customer's pattern-file request for the engineer", async () => {
    const caseId = await api.createThreatCase(customer, "INFECTION_ANALYSIS");
    const file = await api.uploadZip(customer, caseId, "infected.zip");

    const submitted = await api.submit(customer, { caseId, attachmentIds: [file.id] });
    expect(submitted.errors).toBeUndefined();
    const [analysing] = submitted.data!.submitForAnalysis.threatAnalysis.files;
    expect(analysing).toMatchObject({ fileName: "infected.zip", sha1: file.sha1, verdict: "ANALYZING", detectionName: null, analyzedAt: null, availableActions: [], requests: [] });
    expect(analysing.attachment).toEqual({ id: file.id, fileName: "infected.zip" });
    expect((await api.analysisOf(customer, caseId)).files.map((f: any) => [f.verdict, f.availableActions])).toEqual([["ANALYZING", []]]);

    const recorded = await api.recordFileVerdict(engineer, { fileAnalysisId: analysing.id, verdict: "DANGEROUS", detectionName: "Ransom.Win32.WANNACRY.A", patternVersion: "19.101.00" });
    expect(recorded.errors).toBeUndefined();

    const seen = (await api.analysisOf(customer, caseId)).files[0];
    expect(seen).toMatchObject({ verdict: "DANGEROUS", detectionName: "Ransom.Win32.WANNACRY.A", patternVersion: "19.101.00" });
    expect(Date.parse(seen.analyzedAt)).not.toBeNaN();
    expect(sorted(seen.availableActions)).toEqual(sorted(SIX_ACTIONS));

    const requested = await api.requestFileAction(customer, { fileAnalysisId: seen.id, action: "REQUEST_PATTERN_FILE", comment: "Please cover this in the official pattern." });
    expect(requested.errors).toBeUndefined();
    expect(requested.data!.requestFileAction.request).toMatchObject({
      action: "REQUEST_PATTERN_FILE",
      comment: "Please cover this in the official pattern.",
      state: "SUBMITTED",
      requestedBy: { id: "u-acme-customer", role: "CUSTOMER" },
    });

    const engineerView = (await api.analysisOf(engineer, caseId)).files[0];
    expect(engineerView.requests).toEqual([requested.data!.requestFileAction.request]);
  });

  it("offers no detection-name, virus-information or cleanup-failure request on a FALSE_POSITIVE_ANALYSIS case", async () => {
    const caseId = await api.createThreatCase(customer, "FALSE_POSITIVE_ANALYSIS");
    const file = await api.uploadZip(customer, caseId, "flagged.zip");
    const [analysing] = (await api.submit(customer, { caseId, attachmentIds: [file.id] })).data!.submitForAnalysis.threatAnalysis.files;
    expect(analysing.availableActions).toEqual([]);
    await api.recordFileVerdict(engineer, { fileAnalysisId: analysing.id, verdict: "DANGEROUS", detectionName: "TROJ_GEN.R002C0", patternVersion: "19.101.00" });

    const seen = (await api.analysisOf(customer, caseId)).files[0];
    expect(sorted(seen.availableActions)).toEqual(sorted(["REQUEST_REANALYSIS", "REPORT_FALSE_POSITIVE", "REQUEST_PATTERN_FILE"]));
    for (const action of ["REQUEST_DETECTION_NAME", "REQUEST_VIRUS_INFO", "REPORT_CLEANUP_FAILURE"]) {
      expect(seen.availableActions).not.toContain(action);
      expect(errorCode(await api.requestFileAction(customer, { fileAnalysisId: seen.id, action }))).toBe("ACTION_NOT_AVAILABLE");
    }
    expect(errorCode(await api.requestFileAction(customer, { fileAnalysisId: seen.id, action: "REPORT_FALSE_POSITIVE" }))).toBeUndefined();
    expect((await api.analysisOf(engineer, caseId)).files[0].requests.map((r: any) => r.action)).toEqual(["REPORT_FALSE_POSITIVE"]);
  });

  it("turns each file of the case into one result, however often it is submitted", async () => {
    const caseId = await api.createThreatCase(customer);
    const [a, b] = [await api.uploadZip(customer, caseId, "a.zip"), await api.uploadZip(customer, caseId, "b.zip")];
    await api.submit(customer, { caseId, attachmentIds: [a.id] });
    const again = await api.submit(customer, { caseId, attachmentIds: [a.id, b.id, b.id] });
    expect(again.errors).toBeUndefined();
    expect(again.data!.submitForAnalysis.threatAnalysis.files.map((f: any) => f.fileName)).toEqual(["a.zip", "b.zip"]);
  });

  it("refuses files of another case (BAD_USER_INPUT on attachmentIds) and stores nothing", async () => {
    const caseId = await api.createThreatCase(customer);
    const otherCaseId = await api.createThreatCase(customer);
    const own = await api.uploadZip(customer, caseId, "own.zip");
    const foreign = await api.uploadZip(customer, otherCaseId, "foreign.zip");
    for (const attachmentIds of [[own.id, foreign.id], ["no-such-attachment"]]) {
      const response = await api.submit(customer, { caseId, attachmentIds, urls: ["http://x.example/"] });
      expect(errorOf(response)).toMatchObject({ code: "BAD_USER_INPUT", field: "attachmentIds" });
    }
    expect(errorOf(await api.submit(customer, { caseId, attachmentIds: [], urls: [] }))).toMatchObject({ code: "BAD_USER_INPUT" });
    expect(await api.analysisOf(customer, caseId)).toEqual({ files: [], urls: [], emails: [], attk: [] });
  });

  it("analyses only files that are part of the case: a staged upload is refused until an update sends it", async () => {
    const caseId = await api.createThreatCase(customer);
    const staged = await api.stageZip(customer, caseId, "not-sent-yet.zip");
    const refused = await api.submit(customer, { caseId, attachmentIds: [staged.id] });
    expect(errorOf(refused)).toMatchObject({ code: "BAD_USER_INPUT", field: "attachmentIds" });
    expect(refused.errors![0]!.message).toMatch(/not part of the case yet/);
    expect(await api.analysisOf(customer, caseId)).toEqual({ files: [], urls: [], emails: [], attk: [] });
    const sent = await graph.request({ query: `mutation($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { update { id } } }`, variables: { input: { caseId, attachmentIds: [staged.id] } }, token: customer });
    expect(sent.errors).toBeUndefined();
    const submitted = await api.submit(customer, { caseId, attachmentIds: [staged.id] });
    expect(submitted.errors).toBeUndefined();
    expect((await api.analysisOf(engineer, caseId)).files.map((f: { fileName: string }) => f.fileName)).toEqual(["not-sent-yet.zip"]);
  });

  it("validates submitted URLs and keeps one UNRATED result per URL of the case", async () => {
    const caseId = await api.createThreatCase(customer, "URL_ANALYSIS");
    for (const url of ["ftp://files.example/x", "javascript:alert(1)", "not a url", `https://x.example/${"a".repeat(2100)}`]) {
      expect(errorOf(await api.submit(customer, { caseId, urls: [url] }))).toMatchObject({ code: "BAD_USER_INPUT", field: "urls" });
    }
    const first = await api.submit(customer, { caseId, urls: ["http://phish.example/login", "HTTP://PHISH.example/login", "https://ok.example"] });
    expect(first.errors).toBeUndefined();
    const second = await api.submit(customer, { caseId, urls: ["http://phish.example:80/login", "http://new.example/"] });
    const urls = second.data!.submitForAnalysis.threatAnalysis.urls;
    expect(urls.map((u: any) => [u.url, u.rating, u.analyzedAt])).toEqual([
      ["http://phish.example/login", "UNRATED", null],
      ["https://ok.example/", "UNRATED", null],
      ["http://new.example/", "UNRATED", null],
    ]);
  });

  it("keeps one result per URL and per e-mail name when the same ones are submitted and recorded concurrently", async () => {
    const caseId = await api.createThreatCase(customer, "URL_ANALYSIS");
    const responses = await Promise.all([
      ...Array.from({ length: 4 }, () => api.submit(customer, { caseId, urls: ["http://race.example/"] })),
      ...Array.from({ length: 4 }, (_, i) => api.recordEmailVerdict(engineer, { caseId, name: "race.eml", verdict: i % 2 ? "SPAM" : "NORMAL" })),
    ]);
    for (const response of responses) expect(response.errors).toBeUndefined();
    const tab = await api.analysisOf(customer, caseId);
    expect(tab.urls.map((u: any) => u.url)).toEqual(["http://race.example/"]);
    expect(tab.emails.map((e: any) => e.name)).toEqual(["race.eml"]);
  });

  it("lets engineers rate URLs, e-mails and ATTK files, one result per URL, e-mail name and file name", async () => {
    const caseId = await api.createThreatCase(customer);
    await api.submit(customer, { caseId, urls: ["http://phish.example/login"] });

    const rated = await api.recordUrlRating(engineer, { caseId, url: "HTTP://phish.example/login", rating: "DANGEROUS", category: "Phishing" });
    expect(rated.errors).toBeUndefined();
    await api.recordUrlRating(engineer, { caseId, url: "https://cdn.example/lib.js", rating: "SAFE", category: "Content delivery" });
    await api.recordEmailVerdict(engineer, { caseId, name: "invoice.eml", verdict: "ANALYZING" });
    await api.recordEmailVerdict(engineer, { caseId, name: "invoice.eml", verdict: "SPAM" });
    await api.recordEmailVerdict(engineer, { caseId, name: "newsletter.eml", verdict: "NORMAL" });
    await api.recordAttkFile(engineer, { caseId, fileName: "C:/Windows/Temp/dropper.exe", collected: false });
    const last = await api.recordAttkFile(engineer, { caseId, fileName: "C:/Windows/Temp/dropper.exe", collected: true });
    expect(last.errors).toBeUndefined();

    const tab = await api.analysisOf(customer, caseId);
    expect(tab.urls.map((u: any) => [u.url, u.rating, u.category])).toEqual([
      ["http://phish.example/login", "DANGEROUS", "Phishing"],
      ["https://cdn.example/lib.js", "SAFE", "Content delivery"],
    ]);
    expect(tab.emails.map((e: any) => [e.name, e.verdict])).toEqual([
      ["invoice.eml", "SPAM"],
      ["newsletter.eml", "NORMAL"],
    ]);
    expect(tab.attk.map((a: any) => [a.fileName, a.collected])).toEqual([["C:/Windows/Temp/dropper.exe", true]]);
    for (const result of [...tab.urls, ...tab.emails, ...tab.attk]) expect(Date.parse(result.analyzedAt)).not.toBeNaN();
  });

  it("keeps analyzedAt empty while an e-mail is still ANALYZING", async () => {
    const caseId = await api.createThreatCase(customer, "EMAIL_ANALYSIS");
    const tab = (await api.recordEmailVerdict(engineer, { caseId, name: "suspicious.eml", verdict: "ANALYZING" })).data!.recordEmailVerdict.threatAnalysis;
    expect(tab.emails).toEqual([expect.objectContaining({ name: "suspicious.eml", verdict: "ANALYZING", analyzedAt: null })]);
  });

  it("records a detection name only with DANGEROUS (BAD_USER_INPUT on detectionName) and then changes nothing", async () => {
    const caseId = await api.createThreatCase(customer);
    const file = await api.uploadZip(customer, caseId);
    const [analysing] = (await api.submit(customer, { caseId, attachmentIds: [file.id] })).data!.submitForAnalysis.threatAnalysis.files;
    const refused = await api.recordFileVerdict(engineer, { fileAnalysisId: analysing.id, verdict: "NO_PROBLEM", detectionName: "Troj.X", patternVersion: "1" });
    expect(errorOf(refused)).toMatchObject({ code: "BAD_USER_INPUT", field: "detectionName" });
    expect((await api.analysisOf(customer, caseId)).files[0]).toMatchObject({ verdict: "ANALYZING", patternVersion: null, analyzedAt: null });

    await api.recordFileVerdict(engineer, { fileAnalysisId: analysing.id, verdict: "DANGEROUS", detectionName: "Troj.X", patternVersion: "1" });
    await api.recordFileVerdict(engineer, { fileAnalysisId: analysing.id, verdict: "NO_PROBLEM", patternVersion: "2" });
    expect((await api.analysisOf(customer, caseId)).files[0]).toMatchObject({ verdict: "NO_PROBLEM", detectionName: null, patternVersion: "2" });
  });

  it("needs a reason comment for ATTK log re-analysis (BAD_USER_INPUT on comment) and lists the request on the ATTK result", async () => {
    const caseId = await api.createThreatCase(customer, "INFECTION_ANALYSIS");
    const attk = (await api.recordAttkFile(engineer, { caseId, fileName: "attk_log.zip", collected: true })).data!.recordAttkFile.threatAnalysis.attk[0];
    expect(attk.availableActions).toEqual(["REQUEST_LOG_REANALYSIS", "COLLECT_MORE_FILES"]);
    for (const comment of [undefined, "", "   "]) {
      expect(errorOf(await api.requestAttkAction(customer, { attkCollectionId: attk.id, action: "REQUEST_LOG_REANALYSIS", comment }))).toMatchObject({
        code: "BAD_USER_INPUT",
        field: "comment",
      });
    }
    const accepted = await api.requestAttkAction(customer, { attkCollectionId: attk.id, action: "REQUEST_LOG_REANALYSIS", comment: "The toolkit ran before the infection spread." });
    expect(accepted.errors).toBeUndefined();
    const more = await api.requestAttkAction(customer, { attkCollectionId: attk.id, action: "COLLECT_MORE_FILES" });
    expect(more.errors).toBeUndefined();
    const requests = (await api.analysisOf(engineer, caseId)).attk[0].requests;
    expect(requests.map((r: any) => [r.action, r.comment, r.state])).toEqual([
      ["REQUEST_LOG_REANALYSIS", "The toolkit ran before the infection spread.", "SUBMITTED"],
      ["COLLECT_MORE_FILES", null, "SUBMITTED"],
    ]);
  });

  it("lets partner staff act on the results of the organizations their partner manages", async () => {
    const caseId = await api.createThreatCase(customer);
    const file = await api.uploadZip(customer, caseId);
    const [analysing] = (await api.submit(customer, { caseId, attachmentIds: [file.id] })).data!.submitForAnalysis.threatAnalysis.files;
    await api.recordFileVerdict(engineer, { fileAnalysisId: analysing.id, verdict: "NO_PROBLEM", patternVersion: "19.1" });
    const partner = await graph.tokenFor("staff@initech.example");
    expect((await api.analysisOf(partner, caseId)).files[0].availableActions).toEqual(["REQUEST_REANALYSIS", "REPORT_FALSE_POSITIVE"]);
    const requested = await api.requestFileAction(partner, { fileAnalysisId: analysing.id, action: "REQUEST_REANALYSIS", comment: "Customer still sees alerts." });
    expect(requested.data?.requestFileAction.request.requestedBy.role).toBe("PARTNER");
  });
});
