import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { savePartner } from "../../gateway/access/partner.service.js";
import { principalOfUser } from "../../gateway/auth/authenticate.js";
import { signDevToken } from "../../gateway/auth/bearer-token.js";
import type { TokenClaims } from "../../gateway/auth/demo-users.js";
import { AttachmentEntity, AttachmentState } from "../../subgraphs/attachments/attachment/attachment.entity.js";
import { Organization } from "../../subgraphs/cases/organization/organization.entity.js";
import { OrganizationUser } from "../../subgraphs/cases/organization/organization-user.entity.js";
import { ProductProfile } from "../../subgraphs/cases/product-profile/product-profile.entity.js";
import { ActorRole } from "../../subgraphs/kit/actor.js";
import { IDENTITY_HEADER } from "../../subgraphs/kit/identity.js";
import type { Principal, Scope } from "../../subgraphs/kit/principal.js";
import { FileAnalysisEntity } from "../../subgraphs/threat-analysis/file-analysis/file-analysis.entity.js";
import { FileVerdict, ThreatCategory } from "../../subgraphs/threat-analysis/threat.enums.js";
import { apiKeyHeader, apiKeysOf } from "../support/api-keys.js";
import { DATABASES } from "../support/databases.js";
import { postGraphQL, startGraph, TEST_JWT_SECRET, type TestGraph } from "../support/graph.js";
import { signTestIdentity } from "../support/identity-keys.js";

const ORGANIZATIONS = 3;
const organizationIndex = fc.nat(ORGANIZATIONS - 1);
const organizationSubset = fc.subarray([...Array(ORGANIZATIONS).keys()]);

/** Organizations, cases with files and analysis results, partners with keys, customers. */
const scenario = fc.record({
  cases: fc.array(fc.record({ organization: organizationIndex, threat: fc.boolean(), attachments: fc.nat(2), files: fc.nat(2) }), { minLength: 1, maxLength: 5 }),
  partners: fc.array(
    fc.record({
      manages: organizationSubset,
      keys: fc.array(
        fc.record({
          // Applied to what the partner manages; an empty pick means "all it manages".
          limit: fc.option(fc.array(fc.boolean(), { minLength: ORGANIZATIONS, maxLength: ORGANIZATIONS })),
          scopes: fc.subarray(["cases:write", "attachments:write", "threats:write"] as Scope[]).map((s): Scope[] => ["cases:read", ...s]),
        }),
        { minLength: 1, maxLength: 2 },
      ),
      // Later the partner stops managing one organization: its keys must lose it too.
      drops: fc.option(organizationIndex),
    }),
    { minLength: 1, maxLength: 2 },
  ),
  customers: organizationSubset,
});

const CASE_FIELDS = "id organization { id } attachments(first: 3) { totalCount edges { node { id } } } threatAnalysis { files { id } }";

interface SeededCase {
  id: string;
  caseNumber: string;
  organizationId: string;
  threat: boolean;
  attachmentIds: string[];
  fileIds: string[];
}

interface Caller {
  label: string;
  headers: Record<string, string>;
  /** What the scenario says it may see (computed from the model, not asked from the gateway). */
  visible: string[];
  principal: Principal;
}

describe.each(DATABASES)("tenant isolation on %s (property-based)", (database) => {
  let graph: TestGraph;
  let engineer: string;
  let run = 0;

  beforeAll(async () => {
    graph = await startGraph({ database });
    engineer = await graph.tokenFor("engineer@support.example");
  });
  afterAll(() => graph?.stop());

  async function seedCases(organizations: string[], cases: Record<string, any>[]): Promise<SeededCase[]> {
    await graph.cases.dataSource.getRepository(Organization).insert(organizations.map((id) => ({ id, name: `Org ${id}`, locale: "en" })));
    await graph.cases.dataSource.getRepository(ProductProfile).insert(organizations.map((id) => ({ id: `${id}-pp`, organizationId: id, name: "Servers", product: "Server Protection", version: "1" })));
    // The engineer registers on each organization's behalf, naming a user of it as the registrant.
    await graph.cases.dataSource.getRepository(OrganizationUser).insert(organizations.map((id) => ({ id: `u-${id}`, organizationId: id, email: `user@${id}.example`, name: `User of ${id}` })));
    const seeded: SeededCase[] = [];
    for (const spec of cases) {
      const organizationId = organizations[spec.organization]!;
      const created = await graph.request({
        query: "mutation($input: CreateCaseInput!) { createCase(input: $input) { case { id caseNumber } } }",
        variables: {
          input: {
            organizationId,
            productProfileId: `${organizationId}-pp`,
            title: "Isolation",
            description: "d",
            problemCategory: spec.threat ? null : "MALFUNCTION",
            severity: "LOW",
            contactName: "c",
            inquiryType: spec.threat ? "THREAT" : "PRODUCT",
            threatCategory: spec.threat ? "INFECTION_ANALYSIS" : null,
            registrant: { email: `user@${organizationId}.example` },
          },
        },
        token: engineer,
      });
      expect(created.errors).toBeUndefined();
      const { id, caseNumber } = created.data!.createCase.case;
      const now = new Date();
      const attachmentIds = Array.from({ length: spec.attachments }, () => randomUUID());
      const fileIds = spec.threat ? Array.from({ length: spec.files }, () => randomUUID()) : [];
      // Rows as the upload and analysis flows write them: each carries its case's organization.
      for (const attachmentId of attachmentIds) {
        await graph.attachments.dataSource.getRepository(AttachmentEntity).insert({
          id: attachmentId,
          caseId: id,
          organizationId,
          caseUpdateId: null,
          fileName: "f.zip",
          size: 1,
          contentType: "application/zip",
          sha1: "a".repeat(40),
          sha256: "b".repeat(64),
          uploadedAt: now,
          uploadedBy: { id: "u", name: "U", role: ActorRole.CUSTOMER, email: null },
          state: AttachmentState.ATTACHED,
          blobKey: "none",
        });
      }
      for (const fileId of fileIds) {
        await graph.threats.dataSource.getRepository(FileAnalysisEntity).insert({
          id: fileId,
          caseId: id,
          organizationId,
          threatCategory: ThreatCategory.INFECTION_ANALYSIS,
          fileName: "x.exe",
          sha1: "c".repeat(40),
          verdict: FileVerdict.NO_PROBLEM,
          detectionName: null,
          patternVersion: null,
          analyzedAt: now,
          attachmentId: null,
          emailAnalysisId: null,
          createdAt: now,
        });
      }
      seeded.push({ id, caseNumber, organizationId, threat: spec.threat, attachmentIds, fileIds });
    }
    return seeded;
  }

  async function callers(prefix: string, organizations: string[], model: Record<string, any>): Promise<Caller[]> {
    const result: Caller[] = [];
    const user = async (label: string, claims: TokenClaims, visible: string[]) => {
      const token = await signDevToken(claims, TEST_JWT_SECRET);
      result.push({ label, headers: { authorization: `Bearer ${token}` }, visible, principal: await principalOfUser(claims, graph.gateway.dataSource) });
    };
    for (const index of model.customers as number[]) {
      const org = organizations[index]!;
      await user(`customer of ${org}`, { sub: `${org}-user`, name: "C", email: `c@${org}.example`, role: "customer", org }, [org]);
    }
    const keys = apiKeysOf(graph);
    for (const [p, partner] of (model.partners as any[]).entries()) {
      const partnerId = `${prefix}-partner${p}`;
      const manages = (partner.manages as number[]).map((i) => organizations[i]!);
      await savePartner(graph.gateway.dataSource, { id: partnerId, name: partnerId, organizationIds: manages });
      const issued = [];
      for (const spec of partner.keys) {
        const picked = spec.limit ? manages.filter((_, i) => spec.limit[i]) : [];
        const limit = picked.length ? picked : null;
        issued.push({ limit, key: (await keys.create({ partnerId, scopes: spec.scopes, organizationIds: limit })).key });
      }
      const managedNow = partner.drops === null ? manages : manages.filter((org) => org !== organizations[partner.drops]);
      if (managedNow.length !== manages.length) await savePartner(graph.gateway.dataSource, { id: partnerId, organizationIds: managedNow });
      await user(`staff of ${partnerId}`, { sub: `${partnerId}-staff`, name: "S", email: "", role: "partner", partner: partnerId }, managedNow);
      for (const { limit, key } of issued) {
        const authenticated = await keys.authenticate(key);
        if (!authenticated.principal) throw new Error(`key refused: ${authenticated.failure}`);
        result.push({
          label: `key of ${partnerId} limited to ${limit?.join(",") ?? "all"}`,
          headers: apiKeyHeader(key),
          visible: limit ? limit.filter((o) => managedNow.includes(o)) : managedNow,
          principal: authenticated.principal,
        });
      }
    }
    return result;
  }

  async function entities(subgraph: "cases" | "attachments" | "threat-analysis", principal: Principal, representations: object[], selection: string): Promise<any[]> {
    if (representations.length === 0) return [];
    const response = await postGraphQL<{ _entities: any[] }>(
      graph.urls[subgraph],
      { query: `query($r: [_Any!]!) { _entities(representations: $r) { ${selection} } }`, variables: { r: representations } },
      { [IDENTITY_HEADER]: signTestIdentity(principal, subgraph) },
    );
    expect(response.errors).toBeUndefined();
    return response.data!._entities;
  }

  it("no principal ever sees a case, attachment or analysis result outside its organizations, through any query path", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (model) => {
        const prefix = `iso${++run}${randomUUID().slice(0, 6)}`;
        const organizations = Array.from({ length: ORGANIZATIONS }, (_, i) => `${prefix}-org${i}`);
        const cases = await seedCases(organizations, model.cases);
        for (const caller of await callers(prefix, organizations, model)) {
          const visible = new Set(caller.visible);
          const canSee = (c: SeededCase) => visible.has(c.organizationId);
          // The gateway forwards exactly the organizations the model allows.
          expect([...(caller.principal.organizationIds ?? [])].sort(), caller.label).toEqual([...visible].sort());

          // Through the gateway: the list, every case by id and by number, with files and results.
          const aliases = cases.map((c, i) => `c${i}: case(id: "${c.id}") { ...F } n${i}: caseByNumber(caseNumber: "${c.caseNumber}") { ...F }`).join("\n");
          const response = await postGraphQL<any>(graph.gatewayUrl, { query: `{ list: cases(first: 10) { totalCount edges { node { ...F } } }\n${aliases} }\nfragment F on Case { ${CASE_FIELDS} }` }, caller.headers);
          expect(response.errors, `${caller.label}: ${JSON.stringify(response.errors)}`).toBeUndefined();
          const data = response.data!;
          const expected = cases.filter(canSee);
          expect(data.list.edges.map((e: any) => e.node.id).sort(), caller.label).toEqual(expected.map((c) => c.id).sort());
          expect(data.list.totalCount).toBe(expected.length);
          const shown = [...data.list.edges.map((e: any) => e.node), ...cases.flatMap((_, i) => [data[`c${i}`], data[`n${i}`]])].filter(Boolean);
          for (const node of shown) {
            const seeded = cases.find((c) => c.id === node.id)!;
            expect(visible.has(node.organization.id), `${caller.label} saw a case of ${node.organization.id}`).toBe(true);
            expect(node.attachments.edges.map((e: any) => e.node.id).sort()).toEqual([...seeded.attachmentIds].sort());
            expect(node.attachments.totalCount).toBe(seeded.attachmentIds.length);
            expect(node.threatAnalysis?.files.map((f: any) => f.id).sort() ?? null).toEqual(seeded.threat ? [...seeded.fileIds].sort() : null);
          }
          cases.forEach((c, i) => {
            expect(data[`c${i}`] !== null, `${caller.label}: case ${i}`).toBe(canSee(c));
            expect(data[`n${i}`] !== null, `${caller.label}: caseByNumber ${i}`).toBe(canSee(c));
          });

          // Crafted _entities calls straight to each subgraph, with the identity the gateway would sign.
          const caseRefs = await entities(
            "cases",
            caller.principal,
            cases.map((c) => ({ __typename: "Case", id: c.id })),
            "... on Case { id }",
          );
          cases.forEach((c, i) => expect(caseRefs[i] !== null).toBe(canSee(c)));
          const attachmentIds = cases.flatMap((c) => c.attachmentIds);
          const attachments = await entities(
            "attachments",
            caller.principal,
            attachmentIds.map((id) => ({ __typename: "Attachment", id })),
            "... on Attachment { id }",
          );
          attachmentIds.forEach((id, i) => expect(attachments[i] !== null, `${caller.label}: attachment`).toBe(canSee(cases.find((c) => c.attachmentIds.includes(id))!)));
          const caseAttachments = await entities(
            "attachments",
            caller.principal,
            cases.map((c) => ({ __typename: "Case", id: c.id })),
            "... on Case { attachments(first: 10) { totalCount edges { node { id } } } }",
          );
          cases.forEach((c, i) => expect(caseAttachments[i].attachments.totalCount, `${caller.label}: Case.attachments`).toBe(canSee(c) ? c.attachmentIds.length : 0));
          cases.forEach((c, i) => expect(caseAttachments[i].attachments.edges.length).toBe(canSee(c) ? c.attachmentIds.length : 0));
          const fileIds = cases.flatMap((c) => c.fileIds);
          const files = await entities(
            "threat-analysis",
            caller.principal,
            fileIds.map((id) => ({ __typename: "FileAnalysis", id })),
            "... on FileAnalysis { id }",
          );
          fileIds.forEach((id, i) => expect(files[i] !== null, `${caller.label}: FileAnalysis`).toBe(canSee(cases.find((c) => c.fileIds.includes(id))!)));
          const threatCases = cases.filter((c) => c.threat);
          const analyses = await entities(
            "threat-analysis",
            caller.principal,
            threatCases.map((c) => ({ __typename: "Case", id: c.id, inquiryType: "THREAT" })),
            "... on Case { threatAnalysis { files { id } } }",
          );
          threatCases.forEach((c, i) => expect(analyses[i].threatAnalysis?.files.length ?? 0, `${caller.label}: Case.threatAnalysis`).toBe(canSee(c) ? c.fileIds.length : 0));
        }
      }),
      { numRuns: 15 },
    );
  }, 180_000);
});
