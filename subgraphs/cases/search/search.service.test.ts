import { randomUUID } from "node:crypto";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestDataSource, openTestDataSource } from "../../../test/support/data-source.js";
import { DATABASES, TEST_MYSQL_URL } from "../../../test/support/databases.js";
import { Actor, ActorRole } from "../../kit/actor.js";
import { InquiryType } from "../../kit/case-kinds.js";
import type { Principal } from "../../kit/principal.js";
import { readResponseTargets } from "../../kit/response-targets.js";
import { inTransaction, isMysql } from "../../kit/transaction.js";
import { CaseUpdateEntity } from "../case-update/case-update.entity.js";
import { CaseEntity } from "../case/case.entity.js";
import { CaseOrderField, CaseStatus, CaseSubStatus, OrderDirection, Severity } from "../case/case.enums.js";
import { searchCases } from "../case/case.search.js";
import { casesEntities } from "../cases.entities.js";
import { casesMigrations } from "../migrations/index.js";
import { CaseResponseTargets } from "../response-target/response-target.service.js";
import { CaseSearchDocument, SEARCH_FULLTEXT_INDEX } from "./case-search-document.entity.js";
import { wordsOrganizationToken } from "./mroonga-words.js";
import { CaseSearchIndex } from "./search-index.js";
import { prepareSearchPlan, type SearchPlanKind } from "./search-plan.js";

const T0 = new Date("2026-04-01T09:00:00.000Z");
const REGISTRANT = Object.assign(new Actor(), { id: "u-acme-customer", name: "Aiko Tanaka", role: ActorRole.CUSTOMER, email: "customer@acme.example" });
const ENGINEER: Principal = { kind: "user", id: "u-engineer", name: "E", role: "engineer", organizationIds: null, scopes: ["cases:read"] };
const ACME: Principal = { kind: "user", id: "u-acme", name: "A", role: "customer", organizationIds: ["acme"], scopes: ["cases:read"] };
const silent = { info: () => undefined, warn: () => undefined };
let sequence = 0;

/** The searchable text of cases on each engine and its fallback: what is written with a change, and what every plan finds. */
describe.each(DATABASES)("case search index on %s", (database) => {
  let db: TestDataSource;
  let dataSource: DataSource;
  let index: CaseSearchIndex;
  let plan: SearchPlanKind;
  const responseTargets = new CaseResponseTargets(readResponseTargets({}), () => T0);

  beforeAll(async () => {
    db = await openTestDataSource(database, { entities: casesEntities, migrations: casesMigrations });
    dataSource = db.dataSource;
    index = new CaseSearchIndex(dataSource, () => T0);
    plan = await prepareSearchPlan(dataSource, silent);
  });
  afterAll(() => db?.close());

  /** A case of `organizationId` with `updates`, written and indexed in one transaction as the services do. */
  async function indexedCase(text: { title: string; description: string; updates?: string[]; organizationId?: string }): Promise<CaseEntity> {
    const c = Object.assign(new CaseEntity(), {
      id: randomUUID(),
      caseNumber: `C-2026-S${String(++sequence).padStart(5, "0")}`,
      organizationId: text.organizationId ?? "acme",
      title: text.title,
      description: text.description,
      status: CaseStatus.OPEN,
      subStatus: CaseSubStatus.RECEIVED,
      severity: Severity.MEDIUM,
      severityRank: 2,
      inquiryType: InquiryType.PRODUCT,
      threatCategory: null,
      problemCategory: "MALFUNCTION",
      productProfileId: "acme-endpoint",
      contactName: "Aiko Tanaka",
      registrant: REGISTRANT,
      ccEmails: [],
      businessImpact: null,
      createdAt: T0,
      updatedAt: new Date(T0.getTime() + sequence * 1000),
      closedAt: null,
      version: 1,
      lastCustomerActivityAt: T0,
      subStatusChangedAt: T0,
    });
    await inTransaction(dataSource, async (tx) => {
      await tx.insert(CaseEntity, c);
      for (const [i, body] of (text.updates ?? []).entries()) {
        await tx.insert(CaseUpdateEntity, { id: randomUUID(), caseId: c.id, body, author: REGISTRANT, requestedReopen: false, createdAt: new Date(T0.getTime() + i) });
      }
      await index.refresh(tx, c, { fileNames: ["trace.etl"] });
    });
    return c;
  }

  const find = async (search: string, principal: Principal = ACME, searchPlan = plan) =>
    (await searchCases(dataSource, principal, { filter: { search }, orderBy: { field: CaseOrderField.RELEVANCE, direction: OrderDirection.DESC }, responseTargets, searchPlan, first: 100 })).edges.map((e) => e.node.id);
  /** `totalCount` of a search box alone (the engine counts it). */
  const count = async (search: string, principal: Principal = ACME) =>
    (await searchCases(dataSource, principal, { filter: { search }, orderBy: { field: CaseOrderField.RELEVANCE, direction: OrderDirection.DESC }, responseTargets, searchPlan: plan, first: 1 })).countTotal();

  it("uses the engine the server offers: FTS5 on SQLite, Mroonga on MariaDB when loaded, ngram on MySQL 8", () => {
    if (!isMysql(dataSource)) expect(plan).toBe("sqlite-fts5");
    // CI installs and loads Mroonga (.ci/run): there, MariaDB must search with it, not fall back.
    else if (process.env.CI === "true" && /mariadb/i.test(TEST_MYSQL_URL)) expect(plan).toBe("mroonga");
    else expect(["mroonga", "innodb-ngram", "like"]).toContain(plan);
  });

  it("finds the same cases with the engine and with the LIKE fallback, for Japanese of one to three characters, English, phrases and AND", async () => {
    const a = await indexedCase({ title: "駆除に失敗しました", description: "Pattern 19.1 でも検出されない", updates: ["再起動後もエラー 0x80070005"] });
    const b = await indexedCase({ title: "Agent offline after upgrade", description: "The agents stopped reporting.", updates: ["Rebooted, still offline."] });
    const other = await indexedCase({ title: "駆除 agent", description: "globex", organizationId: "globex" });
    const plans: SearchPlanKind[] = isMysql(dataSource) ? [plan, "like"] : [plan];
    for (const searchPlan of plans) {
      const cases: [string, string[]][] = [
        ["駆除", [a.id]],
        ["駆", [a.id]],
        ["検出 再起動", [a.id]],
        ["再起動後", [a.id]],
        ["0x8007", [a.id]],
        ["agent offline", [b.id]],
        ['"still offline"', [b.id]],
        ['"offline still"', []],
        ["agent 駆除", []],
        ["trace.etl 駆除", [a.id]],
        [a.caseNumber, [a.id]],
      ];
      for (const [search, expected] of cases) {
        expect(await find(search, ACME, searchPlan), `${searchPlan}: ${search}`).toEqual(expected);
        if (searchPlan === plan) expect(await count(search), `count: ${search}`).toBe(expected.length);
      }
      expect(await find("駆除 agent", ENGINEER, searchPlan), searchPlan).toEqual([other.id]);
    }
  });

  it("writes the document in the transaction of the change: a change that rolls back leaves none", async () => {
    const id = randomUUID();
    await expect(
      inTransaction(dataSource, async (tx) => {
        await tx.insert(CaseEntity, { ...(await dataSource.getRepository(CaseEntity).findOneByOrFail({ organizationId: "acme" })), id, caseNumber: "C-2026-R00001", title: "rolledbackword" });
        await index.refresh(tx, { id, organizationId: "acme", caseNumber: "C-2026-R00001", title: "rolledbackword", description: "x" });
        throw new Error("the change fails after indexing");
      }),
    ).rejects.toThrow("the change fails");
    expect(await dataSource.getRepository(CaseSearchDocument).findOneBy({ caseId: id })).toBeNull();
    expect(await find("rolledbackword", ENGINEER)).toEqual([]);
    expect(await count("rolledbackword", ENGINEER)).toBe(0);
  });

  it("undoes the document of a change to an existing case that rolls back: the committed text is what is found", async () => {
    const c = await indexedCase({ title: "Committed wallaby title", description: "kept" });
    await expect(
      inTransaction(dataSource, async (tx) => {
        await tx.update(CaseEntity, { id: c.id }, { title: "Rolledback quokka title" });
        await index.refresh(tx, { ...c, title: "Rolledback quokka title" });
        throw new Error("the change fails after indexing");
      }),
    ).rejects.toThrow("the change fails");
    expect(await find("quokka", ENGINEER)).toEqual([]);
    expect(await find("wallaby", ENGINEER)).toEqual([c.id]);
    expect([await count("quokka", ENGINEER), await count("wallaby", ENGINEER)]).toEqual([0, 1]);
    expect((await dataSource.getRepository(CaseSearchDocument).findOneByOrFail({ caseId: c.id })).title).toBe("Committed wallaby title");
  });

  it("counts exactly and ranks the same for every kind of caller, whether the engine alone or the general plan answers", async () => {
    const GLOBEX: Principal = { ...ACME, id: "u-globex", organizationIds: ["globex"] };
    const BOTH: Principal = { ...ACME, id: "u-both", organizationIds: ["acme", "globex"] };
    const NONE: Principal = { ...ACME, id: "u-none", organizationIds: [] };
    const made = [
      await indexedCase({ title: "Platypus sighting report", description: "platypus platypus" }),
      await indexedCase({ title: "Other", description: "a platypus in the description" }),
      await indexedCase({ title: "Other", description: "nothing", updates: ["platypus in an update"] }),
      await indexedCase({ title: "Platypus at globex", description: "platypus", organizationId: "globex" }),
      await indexedCase({ title: "Other at globex", description: "one platypus", organizationId: "globex" }),
    ];
    const expected = new Map<Principal, number>([
      [ENGINEER, 5],
      [ACME, 3],
      [GLOBEX, 2],
      [BOTH, 5],
      [NONE, 0],
    ]);
    const list = (principal: Principal, filter: Record<string, unknown>, first: number, after?: string | null) =>
      searchCases(dataSource, principal, { filter: { search: "platypus", ...filter }, orderBy: { field: CaseOrderField.RELEVANCE, direction: OrderDirection.DESC }, responseTargets, searchPlan: plan, first, after });
    for (const [principal, count] of expected) {
      // A search alone is answered by the engine; with any other condition (here one every case meets) by the general plan.
      const alone = await list(principal, {}, 100);
      const general = await list(principal, { updatedSince: new Date(0) }, 100);
      expect(await alone.countTotal(), principal.id).toBe(count);
      expect(await general.countTotal(), principal.id).toBe(count);
      expect(
        alone.edges.map((e) => e.node.id),
        principal.id,
      ).toEqual(general.edges.map((e) => e.node.id));
      expect(new Set(alone.edges.map((e) => e.node.id))).toEqual(new Set(made.filter((c) => principal.organizationIds?.includes(c.organizationId) ?? true).map((c) => c.id)));
      // Page by page (one case a page), the same order as in one page.
      const paged: string[] = [];
      let after: string | null = null;
      for (let n = 0; n < count + 1; n++) {
        const page = await list(principal, {}, 1, after);
        paged.push(...page.edges.map((e) => e.node.id));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(paged, principal.id).toEqual(alone.edges.map((e) => e.node.id));
      // A cursor means the same score whichever statement made it: the engine's first page continues in the general plan.
      if (count > 1) {
        const first = await list(principal, {}, 1);
        const next = await list(principal, { updatedSince: new Date(0) }, 1, first.pageInfo.endCursor);
        expect(
          next.edges.map((e) => e.node.id),
          principal.id,
        ).toEqual([alone.edges[1]!.node.id]);
      }
    }
    // A title match ranks first.
    expect((await list(ENGINEER, {}, 100)).edges[0]!.node.title).toMatch(/^Platypus/);
  });

  it("counts only what the texts hold: not the organization's token nor a phrase running from one text into the next", async () => {
    const c = await indexedCase({ title: "Echidna burrow", description: "bilby tracks", updates: ["dunnart seen"] });
    expect(await count("echidna bilby")).toBe(1);
    expect(await count("echidna", ENGINEER)).toBe(1);
    for (const search of ["qq", `"${wordsOrganizationToken("acme")}"`, wordsOrganizationToken("acme").slice(0, 6), '"burrow bilby"', '"tracks dunnart"', '"burrow | bilby"']) {
      expect(await count(search), search).toBe((await find(search)).length);
    }
    expect(await find('"burrow bilby"')).toEqual([]);
    expect(await find("echidna")).toEqual([c.id]);
    if (plan === "mroonga") {
      // Counted by Groonga without reading the matches (Mroonga's count-skip), visibility included.
      const skipped = async () => Number((await dataSource.query<{ Value: string }[]>("SHOW GLOBAL STATUS LIKE 'Mroonga_count_skip'"))[0]!.Value);
      const before = await skipped();
      expect(await count("echidna bilby")).toBe(1);
      expect(await skipped()).toBeGreaterThan(before);
      expect(await count("echidna", { ...ACME, id: "u-globex", organizationIds: ["globex"] })).toBe(0);
    }
  });

  it("indexes cases that have no document (a database from before search, bulk loads), keeping what documents already hold", async () => {
    const withDoc = await indexedCase({ title: "Has a document", description: "kept" });
    const bare = Object.assign(new CaseEntity(), { ...withDoc, id: randomUUID(), caseNumber: "C-2026-B00001", title: "Loaded in bulk wombat" });
    await dataSource.getRepository(CaseEntity).insert(bare);
    await dataSource.getRepository(CaseUpdateEntity).insert({ id: randomUUID(), caseId: bare.id, body: "numbat in an update", author: REGISTRANT, requestedReopen: false, createdAt: T0 });
    expect(await find("wombat")).toEqual([]);
    expect(await index.backfill(100)).toBe(1);
    expect(await find("wombat numbat")).toEqual([bare.id]);
    expect((await dataSource.getRepository(CaseSearchDocument).findOneByOrFail({ caseId: withDoc.id })).fileNames).toBe("trace.etl");
    expect(await index.backfill(100)).toBe(0);
  });

  if (database === "mysql")
    it("says at start that it falls back to LIKE when the server has no full-text index for the documents", async () => {
      const warnings: string[] = [];
      const fallback = await openTestDataSource(database, { entities: casesEntities, migrations: casesMigrations });
      try {
        const [{ n }] = await fallback.dataSource.query("SELECT COUNT(*) AS n FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME = ?", [SEARCH_FULLTEXT_INDEX]);
        if (Number(n) > 0) await fallback.dataSource.query(`DROP INDEX \`${SEARCH_FULLTEXT_INDEX}\` ON case_search_documents`);
        expect(await prepareSearchPlan(fallback.dataSource, { info: () => undefined, warn: (_fields: unknown, message: string) => warnings.push(message) })).toBe("like");
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toMatch(/falling back to LIKE/);
      } finally {
        await fallback.close();
      }
    });
});
