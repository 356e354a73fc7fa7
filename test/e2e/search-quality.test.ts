import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_CASES, demoClient, loadDemoData } from "../../scripts/demo-data.js";
import { caseApi } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { startGraph, TEST_JWT_SECRET, type TestGraph } from "../support/graph.js";
import { JAPANESE_CASES, LABELLED_QUERIES, mean, type QueryScore, scoreQuery } from "../support/search-quality.js";

const SEARCH = `query($search: String!) { cases(first: 100, filter: { search: $search }, orderBy: { field: RELEVANCE, direction: DESC }) { edges { node { title } } } }`;
/** Where the figure is kept; `SEARCH_QUALITY_REPORT=docs` rewrites its block with this run's figures. */
const REPORT = join(__dirname, "../../docs/SEARCH.md");
const MARK = { start: "<!-- search-quality:start -->", end: "<!-- search-quality:end -->" };

const figures: { database: string; scores: QueryScore[] }[] = [];

/** docs/SEARCH.md, "Quality": precision at 10 and recall of the labelled queries over the demo story and its Japanese cases. */
describe.each(DATABASES)("search quality on %s", (database) => {
  let graph: TestGraph;
  let engineer: string;

  beforeAll(async () => {
    graph = await startGraph({ database });
    expect(await loadDemoData(demoClient(graph.gatewayUrl, TEST_JWT_SECRET), () => undefined)).toBe(DEMO_CASES.length);
    const acme = await graph.tokenFor("customer@acme.example");
    const cases = caseApi(graph);
    for (const c of JAPANESE_CASES) {
      const created = await cases.create(acme, { title: c.title, description: c.description });
      expect(created.errors).toBeUndefined();
      expect((await cases.addUpdate(acme, { caseId: created.data!.createCase.case.id, body: c.update })).errors).toBeUndefined();
    }
    engineer = await graph.tokenFor("engineer@support.example");
  }, 120_000);
  afterAll(async () => {
    await graph?.stop();
  });

  it(`answers ${LABELLED_QUERIES.length} labelled queries with mean precision at 10 ≥ 0.9 and mean recall ≥ 0.9`, async () => {
    expect(LABELLED_QUERIES.length).toBeGreaterThanOrEqual(30);
    const scores: QueryScore[] = [];
    for (const labelled of LABELLED_QUERIES) {
      const response = await graph.request({ query: SEARCH, variables: { search: labelled.query }, token: engineer });
      expect(response.errors, labelled.query).toBeUndefined();
      scores.push(
        scoreQuery(
          labelled,
          response.data!.cases.edges.map((e: any) => e.node.title),
        ),
      );
    }
    figures.push({ database, scores });
    const misses = scores.filter((s) => s.recall < 1 || s.precisionAt10 < 1);
    expect(mean(scores.map((s) => s.precisionAt10)), JSON.stringify(misses)).toBeGreaterThanOrEqual(0.9);
    expect(mean(scores.map((s) => s.recall)), JSON.stringify(misses)).toBeGreaterThanOrEqual(0.9);
  });
});

afterAll(() => {
  if (process.env.SEARCH_QUALITY_REPORT !== "docs" || figures.length === 0) return;
  const fmt = (n: number) => n.toFixed(2);
  const rows = figures.map(
    ({ database, scores }) => `| ${database === "mysql" ? "MariaDB (Mroonga)" : "SQLite (FTS5)"} | ${scores.length} | ${fmt(mean(scores.map((s) => s.precisionAt10)))} | ${fmt(mean(scores.map((s) => s.recall)))} |`,
  );
  const misses = figures.flatMap(({ database, scores }) =>
    scores
      .filter((s) => s.precisionAt10 < 1 || s.recall < 1)
      .map(
        (s) =>
          `- ${database}: \`${s.query}\`: P@10 ${fmt(s.precisionAt10)}, recall ${fmt(s.recall)}${s.unexpected.length ? `; also found ${s.unexpected.map((t) => `"${t}"`).join(", ")}` : ""}${s.missed.length ? `; missed ${s.missed.map((t) => `"${t}"`).join(", ")}` : ""}`,
      ),
  );
  const block = [
    MARK.start,
    `Computed by \`SEARCH_QUALITY_REPORT=docs npx vitest run test/e2e/search-quality.test.ts\` on ${new Date().toISOString().slice(0, 10)}.`,
    "",
    "| database | queries | mean precision at 10 | mean recall |",
    "|---|---|---|---|",
    ...rows,
    "",
    misses.length ? `Queries below 1.00:\n\n${misses.join("\n")}` : "Every query scored 1.00 on both.",
    MARK.end,
  ].join("\n");
  const doc = readFileSync(REPORT, "utf8");
  const start = doc.indexOf(MARK.start);
  const end = doc.indexOf(MARK.end);
  if (start < 0 || end < 0) throw new Error(`${REPORT} has no ${MARK.start} ... ${MARK.end} block`);
  writeFileSync(REPORT, `${doc.slice(0, start)}${block}${doc.slice(end + MARK.end.length)}`);
});
