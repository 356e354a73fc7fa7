import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CaseEntity } from "../../subgraphs/cases/case/case.entity.js";
import { CaseStatus, CaseSubStatus, InquiryType, Severity, ThreatCategory } from "../../subgraphs/cases/case/case.enums.js";
import { ProblemCategoryIds1796220000002 } from "../../subgraphs/cases/migrations/1796220000002-problemCategoryIds.js";
import { mapFreeTextProblemCategories } from "../../subgraphs/cases/problem-category/problem-category.backfill.js";
import { Actor, ActorRole } from "../../subgraphs/kit/actor.js";
import { caseApi, codeOf } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { productCase, threatCase } from "../support/fixtures.js";
import { startGraph, type TestGraph } from "../support/graph.js";

const CATEGORIES = `query($type: InquiryType) { problemCategories(inquiryType: $type) { id inquiryType threatCategory label { ja en } } }`;
const PRODUCT_IDS = ["INSTALLATION", "CONFIGURATION", "MALFUNCTION", "PERFORMANCE", "UPDATE", "LICENSE", "PRODUCT_OTHER"];
const THREAT_IDS = ["INFECTION_ANALYSIS", "FALSE_POSITIVE_ANALYSIS", "URL_ANALYSIS", "EMAIL_ANALYSIS", "OTHER"];
const CASE_CATEGORIES = `query($id: ID!) { case(id: $id) { inquiryType problemCategory threatCategory history(first: 20) { edges { node { field oldValue newValue comment actor { id name role } } } } } }`;

describe.each(DATABASES)("problem categories (問題区分) on %s", (database) => {
  let graph: TestGraph;
  let api: ReturnType<typeof caseApi>;
  let acme: string;

  const caseCount = () => graph.cases.dataSource.getRepository(CaseEntity).count();
  const read = async (id: string) => (await graph.request({ query: CASE_CATEGORIES, variables: { id }, token: acme })).data!.case;

  beforeAll(async () => {
    graph = await startGraph({ database });
    api = caseApi(graph);
    acme = await graph.tokenFor("customer@acme.example");
  });
  afterAll(() => graph?.stop());

  it("lists the categories of each inquiry type with stable ids and ja/en labels; the threat ones are the threat categories with the vocabulary's words", async () => {
    const all = await graph.request({ query: CATEGORIES, token: acme });
    expect(all.errors).toBeUndefined();
    const product = (await graph.request({ query: CATEGORIES, variables: { type: "PRODUCT" }, token: acme })).data!.problemCategories;
    const threat = (await graph.request({ query: CATEGORIES, variables: { type: "THREAT" }, token: acme })).data!.problemCategories;
    expect(product.map((c: any) => c.id)).toEqual(PRODUCT_IDS);
    expect(threat.map((c: any) => c.id)).toEqual(THREAT_IDS);
    expect(all.data!.problemCategories).toEqual([...product, ...threat]);
    expect(product.every((c: any) => c.inquiryType === "PRODUCT" && c.threatCategory === null && c.label.ja && c.label.en)).toBe(true);
    expect(threat.every((c: any) => c.inquiryType === "THREAT" && c.threatCategory === c.id)).toBe(true);
    expect(threat[0].label).toEqual({ ja: "感染もしくは感染疑いのファイル解析依頼", en: "Infected or suspected infected file analysis" });
    expect(threat[1].label.ja).toBe("誤警告疑いのファイル解析依頼");

    const vocabulary = await graph.request({ query: '{ ja: vocabulary(locale: "ja") { threatCategories { value label } } en: vocabulary(locale: "en") { threatCategories { value label } } }', token: acme });
    for (const locale of ["ja", "en"] as const) {
      expect(vocabulary.data![locale].threatCategories.map((t: any) => [t.value, t.label])).toEqual(threat.map((c: any) => [c.id, c.label[locale]]));
    }
  });

  it("registers a product case only with a product category id: free text, a threat category or none is BAD_USER_INPUT and writes nothing", async () => {
    for (const id of PRODUCT_IDS) {
      const created = await api.create(acme, { problemCategory: id });
      expect(created.errors, id).toBeUndefined();
      expect(await read(created.data!.createCase.case.id)).toMatchObject({ inquiryType: "PRODUCT", problemCategory: id, threatCategory: null });
    }
    const before = await caseCount();
    for (const problemCategory of ["Agent communication", "malfunction", "INFECTION_ANALYSIS", "", null]) {
      const refused = await api.create(acme, { problemCategory });
      expect(refused.errors?.[0]?.extensions, String(problemCategory)).toMatchObject({ code: "BAD_USER_INPUT", field: "problemCategory" });
    }
    const withThreatCategory = await api.create(acme, { threatCategory: "OTHER" });
    expect(withThreatCategory.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "threatCategory" });
    expect(await caseCount()).toBe(before);
  });

  it("on a threat case makes the category and the threat category one fact: either one gives both, two must agree", async () => {
    const byThreatCategory = await api.create(acme, { ...threatCase, threatCategory: "URL_ANALYSIS" });
    expect(await read(byThreatCategory.data!.createCase.case.id)).toMatchObject({ problemCategory: "URL_ANALYSIS", threatCategory: "URL_ANALYSIS" });
    const byCategory = await api.create(acme, { ...threatCase, threatCategory: null, problemCategory: "FALSE_POSITIVE_ANALYSIS" });
    expect(await read(byCategory.data!.createCase.case.id)).toMatchObject({ problemCategory: "FALSE_POSITIVE_ANALYSIS", threatCategory: "FALSE_POSITIVE_ANALYSIS" });
    const both = await api.create(acme, { ...threatCase, threatCategory: "EMAIL_ANALYSIS", problemCategory: "EMAIL_ANALYSIS" });
    expect(await read(both.data!.createCase.case.id)).toMatchObject({ problemCategory: "EMAIL_ANALYSIS", threatCategory: "EMAIL_ANALYSIS" });

    const before = await caseCount();
    const disagree = await api.create(acme, { ...threatCase, threatCategory: "INFECTION_ANALYSIS", problemCategory: "FALSE_POSITIVE_ANALYSIS" });
    expect(disagree.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "problemCategory" });
    const productCategory = await api.create(acme, { ...threatCase, threatCategory: null, problemCategory: "MALFUNCTION" });
    expect(productCategory.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "problemCategory" });
    const neither = await api.create(acme, { ...threatCase, threatCategory: null });
    expect(neither.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "threatCategory" });
    expect(await caseCount()).toBe(before);
    // The fixture a client copies stays valid: a product case with its category, a threat case with its threat category.
    expect(codeOf(await api.create(acme, productCase))).toBeUndefined();
  });

  it("maps the free-text categories of cases registered before the list (the migration), keeping the old text in history; a second run changes nothing", async () => {
    const system = { id: "system", name: "casegraph", role: "SYSTEM" };
    const legacy = async (inquiryType: InquiryType, problemCategory: string, threatCategory: ThreatCategory | null) => {
      const id = randomUUID();
      const at = new Date("2025-11-04T01:02:03.000Z");
      await graph.cases.dataSource.getRepository(CaseEntity).insert(
        Object.assign(new CaseEntity(), {
          id,
          caseNumber: `C-2025-L${id.slice(0, 6)}`,
          organizationId: "acme",
          title: "Registered with a free-text category",
          description: "d",
          status: CaseStatus.OPEN,
          subStatus: CaseSubStatus.RECEIVED,
          severity: Severity.LOW,
          severityRank: 3,
          inquiryType,
          threatCategory,
          problemCategory,
          productProfileId: "acme-endpoint",
          contactName: "Aiko Tanaka",
          registrant: Object.assign(new Actor(), { id: "u-acme-customer", name: "Aiko Tanaka", role: ActorRole.CUSTOMER, email: "customer@acme.example" }),
          ccEmails: [],
          businessImpact: null,
          createdAt: at,
          updatedAt: at,
          closedAt: null,
          version: 1,
          lastCustomerActivityAt: at,
          subStatusChangedAt: at,
        }),
      );
      return id;
    };
    const product = await legacy(InquiryType.PRODUCT, "Agent communication", null);
    const threat = await legacy(InquiryType.THREAT, "Infected file analysis", ThreatCategory.FALSE_POSITIVE_ANALYSIS);
    const current = await legacy(InquiryType.PRODUCT, "LICENSE", null);

    // What a service does at start: MySQL runs the migration, the synchronized SQLite default the same function.
    const migrate = async () => {
      if (database === "sqlite") return mapFreeTextProblemCategories(graph.cases.dataSource.manager);
      const runner = graph.cases.dataSource.createQueryRunner();
      try {
        await new ProblemCategoryIds1796220000002().up(runner);
      } finally {
        await runner.release();
      }
    };
    await migrate();

    const mapped = (c: any) => c.history.edges.map((e: any) => e.node).filter((e: any) => e.field === "problemCategory");
    const productCase = await read(product);
    expect(productCase).toMatchObject({ problemCategory: "PRODUCT_OTHER", threatCategory: null });
    expect(mapped(productCase)).toEqual([{ field: "problemCategory", oldValue: "Agent communication", newValue: "PRODUCT_OTHER", comment: expect.any(String), actor: system }]);
    const threatCase = await read(threat);
    expect(threatCase).toMatchObject({ problemCategory: "FALSE_POSITIVE_ANALYSIS", threatCategory: "FALSE_POSITIVE_ANALYSIS" });
    expect(mapped(threatCase)).toEqual([{ field: "problemCategory", oldValue: "Infected file analysis", newValue: "FALSE_POSITIVE_ANALYSIS", comment: expect.any(String), actor: system }]);
    const untouched = await read(current);
    expect(untouched.problemCategory).toBe("LICENSE");
    expect(mapped(untouched)).toEqual([]);

    await migrate();
    expect(mapped(await read(product))).toHaveLength(1);
    expect(await mapFreeTextProblemCategories(graph.cases.dataSource.manager)).toBe(0);
  });
});
