import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IDENTITY_HEADER } from "../../subgraphs/kit/identity.js";
import { DATABASES } from "../support/databases.js";
import { productCase } from "../support/fixtures.js";
import { postGraphQL, startGraph, type TestGraph } from "../support/graph.js";
import { signTestIdentity } from "../support/identity-keys.js";
import { PRINCIPALS } from "../support/principals.js";
import { errorCode, errorOf, threatApi } from "../support/threat-api.js";

describe.each(DATABASES)("who may do what with threat results, on %s", (database) => {
  let graph: TestGraph;
  let api: ReturnType<typeof threatApi>;
  let acme: string;
  let globex: string;
  let engineer: string;
  /** An acme THREAT case with one file (DANGEROUS), one URL and one ATTK file. */
  let caseId: string;
  let fileId: string;
  let attkId: string;

  beforeAll(async () => {
    graph = await startGraph({ database });
    api = threatApi(graph);
    [acme, globex, engineer] = await Promise.all([graph.tokenFor("customer@acme.example"), graph.tokenFor("customer@globex.example"), graph.tokenFor("engineer@support.example")]);
    caseId = await api.createThreatCase(acme, "INFECTION_ANALYSIS");
    const file = await api.uploadZip(acme, caseId);
    fileId = (await api.submit(acme, { caseId, attachmentIds: [file.id], urls: ["http://bad.example/"] })).data!.submitForAnalysis.threatAnalysis.files[0].id;
    await api.recordFileVerdict(engineer, { fileAnalysisId: fileId, verdict: "DANGEROUS", detectionName: "TROJ_TEST.A", patternVersion: "19.1" });
    attkId = (await api.recordAttkFile(engineer, { caseId, fileName: "attk.log", collected: true })).data!.recordAttkFile.threatAnalysis.attk[0].id;
  });
  afterAll(() => graph?.stop());

  it("answers FORBIDDEN to a customer recording any result, and records nothing", async () => {
    const before = await api.analysisOf(acme, caseId);
    const attempts = [
      api.recordFileVerdict(acme, { fileAnalysisId: fileId, verdict: "NO_PROBLEM" }),
      api.recordUrlRating(acme, { caseId, url: "http://bad.example/", rating: "SAFE" }),
      api.recordEmailVerdict(acme, { caseId, name: "mail.eml", verdict: "NORMAL" }),
      api.recordAttkFile(acme, { caseId, fileName: "attk.log", collected: false }),
    ];
    for (const response of await Promise.all(attempts)) expect(errorCode(response)).toBe("FORBIDDEN");
    expect(await api.analysisOf(acme, caseId)).toEqual(before);
  });

  it("hides another organization's results: the case is null and its results NOT_FOUND", async () => {
    expect(await api.analysisOf(globex, caseId)).toBeUndefined();
    expect(errorCode(await api.requestFileAction(globex, { fileAnalysisId: fileId, action: "REQUEST_REANALYSIS" }))).toBe("NOT_FOUND");
    expect(errorCode(await api.requestAttkAction(globex, { attkCollectionId: attkId, action: "COLLECT_MORE_FILES" }))).toBe("NOT_FOUND");
    expect(errorCode(await api.submit(globex, { caseId, urls: ["http://globex.example/"] }))).toBe("NOT_FOUND");
    const requests = (await api.analysisOf(engineer, caseId)).files[0].requests;
    expect(requests).toEqual([]);
  });

  it("gives another organization empty result lists even when asked for the case directly (_entities)", async () => {
    const resultsAs = async (principal: (typeof PRINCIPALS)[keyof typeof PRINCIPALS]) => {
      const response = await postGraphQL<{ _entities: any[] }>(
        graph.urls["threat-analysis"],
        {
          query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { threatAnalysis { files { id } urls { id } emails { id } attk { id } } } } }`,
          variables: { r: [{ __typename: "Case", id: caseId, inquiryType: "THREAT" }] },
        },
        { [IDENTITY_HEADER]: signTestIdentity(principal, "threat-analysis") },
      );
      expect(response.errors).toBeUndefined();
      return response.data!._entities[0].threatAnalysis;
    };
    expect(await resultsAs(PRINCIPALS.globex)).toEqual({ files: [], urls: [], emails: [], attk: [] });
    expect(await resultsAs(PRINCIPALS.acme)).toMatchObject({ files: [{ id: fileId }], attk: [{ id: attkId }] });
  });

  it("refuses threat mutations on a PRODUCT case with BAD_USER_INPUT", async () => {
    const created = await graph.request({ query: "mutation($input: CreateCaseInput!) { createCase(input: $input) { case { id } } }", variables: { input: productCase }, token: acme });
    const productCaseId = created.data!.createCase.case.id;
    expect(errorOf(await api.submit(acme, { caseId: productCaseId, urls: ["http://x.example/"] }))).toMatchObject({ code: "BAD_USER_INPUT", field: "caseId" });
    expect(errorOf(await api.recordEmailVerdict(engineer, { caseId: productCaseId, name: "x.eml", verdict: "SPAM" }))).toMatchObject({ code: "BAD_USER_INPUT", field: "caseId" });
  });

  it("answers NOT_FOUND for a case that does not exist", async () => {
    expect(errorCode(await api.recordUrlRating(engineer, { caseId: "00000000-0000-4000-8000-000000000000", url: "http://x.example/", rating: "SAFE" }))).toBe("NOT_FOUND");
    expect(errorCode(await api.requestFileAction(acme, { fileAnalysisId: "00000000-0000-4000-8000-000000000000", action: "REQUEST_REANALYSIS" }))).toBe("NOT_FOUND");
  });

  it("answers CASE_CLOSED to every threat mutation on a closed case, offers no action there, and changes nothing", async () => {
    const closedCaseId = await api.createThreatCase(acme, "INFECTION_ANALYSIS");
    const staged = [await api.uploadZip(acme, closedCaseId, "first.zip"), await api.uploadZip(acme, closedCaseId, "late.zip")];
    const file = (await api.submit(acme, { caseId: closedCaseId, attachmentIds: [staged[0]!.id] })).data!.submitForAnalysis.threatAnalysis.files[0];
    await api.recordFileVerdict(engineer, { fileAnalysisId: file.id, verdict: "DANGEROUS", patternVersion: "19.1" });
    const attk = (await api.recordAttkFile(engineer, { caseId: closedCaseId, fileName: "attk.log", collected: true })).data!.recordAttkFile.threatAnalysis.attk[0];
    const closed = await graph.request({ query: "mutation($input: CloseCaseInput!) { closeCase(input: $input) { case { status } } }", variables: { input: { caseId: closedCaseId } }, token: acme });
    expect(closed.data?.closeCase.case.status).toBe("CLOSED");
    const before = await api.analysisOf(engineer, closedCaseId);

    const attempts = {
      submitForAnalysis: api.submit(acme, { caseId: closedCaseId, attachmentIds: [staged[1]!.id], urls: ["http://late.example/"] }),
      requestFileAction: api.requestFileAction(acme, { fileAnalysisId: file.id, action: "REQUEST_REANALYSIS", comment: "again" }),
      requestAttkAction: api.requestAttkAction(acme, { attkCollectionId: attk.id, action: "COLLECT_MORE_FILES" }),
      recordFileVerdict: api.recordFileVerdict(engineer, { fileAnalysisId: file.id, verdict: "NO_PROBLEM" }),
      recordUrlRating: api.recordUrlRating(engineer, { caseId: closedCaseId, url: "http://late.example/", rating: "SAFE" }),
      recordEmailVerdict: api.recordEmailVerdict(engineer, { caseId: closedCaseId, name: "late.eml", verdict: "SPAM" }),
      recordAttkFile: api.recordAttkFile(engineer, { caseId: closedCaseId, fileName: "attk.log", collected: false }),
    };
    for (const [mutation, response] of Object.entries(attempts)) expect(errorCode(await response), mutation).toBe("CASE_CLOSED");

    const after = await api.analysisOf(engineer, closedCaseId);
    expect(after).toEqual(before);
    expect(after.files[0].availableActions).toEqual([]);
    expect(after.attk[0].availableActions).toEqual([]);
    expect((await api.analysisOf(acme, closedCaseId)).files[0].availableActions).toEqual([]);
  });
});
