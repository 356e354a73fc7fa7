import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AttachmentEntity, AttachmentState } from "../../subgraphs/attachments/attachment/attachment.entity.js";
import { ActorRole } from "../../subgraphs/kit/actor.js";
import { IDENTITY_HEADER } from "../../subgraphs/kit/identity.js";
import type { Principal } from "../../subgraphs/kit/principal.js";
import { AttkCollectionEntity } from "../../subgraphs/threat-analysis/attk-collection/attk-collection.entity.js";
import { EmailAnalysisEntity } from "../../subgraphs/threat-analysis/email-analysis/email-analysis.entity.js";
import { FileAnalysisEntity } from "../../subgraphs/threat-analysis/file-analysis/file-analysis.entity.js";
import { EmailVerdict, FileVerdict, ThreatCategory, UrlRating } from "../../subgraphs/threat-analysis/threat.enums.js";
import { UrlAnalysisEntity } from "../../subgraphs/threat-analysis/url-analysis/url-analysis.entity.js";
import { DATABASES } from "../support/databases.js";
import { postGraphQL, startGraph, type TestGraph } from "../support/graph.js";
import { signTestIdentity } from "../support/identity-keys.js";
import { PRINCIPALS } from "../support/principals.js";
import { threatCase } from "../support/fixtures.js";

type Subgraph = "cases" | "attachments" | "threat-analysis";

describe.each(DATABASES)("_entities for every @key on %s", (database) => {
  let graph: TestGraph;
  let caseId: string;
  let updateId: string;
  const ids = { attachment: randomUUID(), file: randomUUID(), url: randomUUID(), email: randomUUID(), attk: randomUUID() };

  async function entities(subgraph: Subgraph, principal: Principal, representations: object[], selection: string) {
    const token = signTestIdentity(principal, subgraph);
    const response = await postGraphQL<{ _entities: any[] }>(
      graph.urls[subgraph],
      { query: `query($r: [_Any!]!) { _entities(representations: $r) { ${selection} } }`, variables: { r: representations } },
      { [IDENTITY_HEADER]: token },
    );
    expect(response.errors).toBeUndefined();
    return response.data!._entities;
  }

  beforeAll(async () => {
    graph = await startGraph({ database });
    const token = await graph.tokenFor("customer@acme.example");
    const created = await graph.request({
      query: "mutation($input: CreateCaseInput!) { createCase(input: $input) { case { id } } }",
      variables: { input: threatCase },
      token,
    });
    caseId = created.data!.createCase.case.id;
    const updated = await graph.request({
      query: "mutation($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { update { id } } }",
      variables: { input: { caseId, body: "More details." } },
      token,
    });
    updateId = updated.data!.addCaseUpdate.update.id;
    // Result rows as the upload and analysis flows will write them.
    const now = new Date();
    const scoped = { caseId, organizationId: "acme", threatCategory: ThreatCategory.INFECTION_ANALYSIS, createdAt: now };
    await graph.attachments.dataSource.getRepository(AttachmentEntity).insert({
      id: ids.attachment,
      caseId,
      organizationId: "acme",
      caseUpdateId: updateId,
      fileName: "sample.zip",
      size: 3,
      contentType: "application/zip",
      sha1: "a".repeat(40),
      sha256: "b".repeat(64),
      uploadedAt: now,
      uploadedBy: { id: "u", name: "Aiko", role: ActorRole.CUSTOMER, email: null },
      state: AttachmentState.ATTACHED,
      blobKey: "none",
    });
    const threats = graph.threats.dataSource;
    await threats.getRepository(FileAnalysisEntity).insert({
      ...scoped,
      id: ids.file,
      fileName: "sample.exe",
      sha1: "c".repeat(40),
      verdict: FileVerdict.DANGEROUS,
      detectionName: "Ransom.Win32.TEST",
      patternVersion: "19.1",
      analyzedAt: now,
      attachmentId: ids.attachment,
      emailAnalysisId: null,
    });
    await threats.getRepository(UrlAnalysisEntity).insert({ ...scoped, id: ids.url, url: "http://bad.example/", category: "Phishing", rating: UrlRating.DANGEROUS, analyzedAt: now });
    await threats.getRepository(EmailAnalysisEntity).insert({ ...scoped, id: ids.email, name: "invoice.eml", verdict: EmailVerdict.SPAM, analyzedAt: now });
    await threats.getRepository(AttkCollectionEntity).insert({ ...scoped, id: ids.attk, fileName: "attk.log", collected: true });
  });
  afterAll(() => graph?.stop());

  const cases: [string, Subgraph, () => object, string, (e: any) => unknown][] = [
    ["Case (cases)", "cases", () => ({ __typename: "Case", id: caseId }), "... on Case { id caseNumber }", (e) => e.id],
    ["CaseUpdate (cases)", "cases", () => ({ __typename: "CaseUpdate", id: updateId }), "... on CaseUpdate { id body }", (e) => e.body],
    ["Organization (cases)", "cases", () => ({ __typename: "Organization", id: "acme" }), "... on Organization { id name }", (e) => e.name],
    ["Attachment (attachments)", "attachments", () => ({ __typename: "Attachment", id: ids.attachment }), "... on Attachment { id fileName }", (e) => e.fileName],
    ["Case.attachments (attachments)", "attachments", () => ({ __typename: "Case", id: caseId }), "... on Case { attachments { totalCount } }", (e) => e.attachments.totalCount],
    ["CaseUpdate.attachments (attachments)", "attachments", () => ({ __typename: "CaseUpdate", id: updateId }), "... on CaseUpdate { attachments { id } }", (e) => e.attachments.length],
    [
      "Case.threatAnalysis (threat-analysis)",
      "threat-analysis",
      () => ({ __typename: "Case", id: caseId, inquiryType: "THREAT" }),
      "... on Case { threatAnalysis { files { id } } }",
      (e) => e.threatAnalysis.files.length,
    ],
    ["FileAnalysis (threat-analysis)", "threat-analysis", () => ({ __typename: "FileAnalysis", id: ids.file }), "... on FileAnalysis { id verdict }", (e) => e.verdict],
    ["UrlAnalysis (threat-analysis)", "threat-analysis", () => ({ __typename: "UrlAnalysis", id: ids.url }), "... on UrlAnalysis { id rating }", (e) => e.rating],
    ["EmailAnalysis (threat-analysis)", "threat-analysis", () => ({ __typename: "EmailAnalysis", id: ids.email }), "... on EmailAnalysis { id verdict }", (e) => e.verdict],
    ["AttkCollection (threat-analysis)", "threat-analysis", () => ({ __typename: "AttkCollection", id: ids.attk }), "... on AttkCollection { id fileName }", (e) => e.fileName],
  ];

  it.each(cases)("resolves %s for its own organization and hides it from another", async (_name, subgraph, representation, selection, pick) => {
    const [own] = await entities(subgraph, PRINCIPALS.acme, [representation()], selection);
    expect(own).not.toBeNull();
    const seen = pick(own);
    expect(seen === 0 || seen === null || seen === undefined).toBe(false);

    const [other] = await entities(subgraph, PRINCIPALS.globex, [representation()], selection);
    const hidden = other === null || pick(other) === 0;
    expect(hidden).toBe(true);
  });
});
