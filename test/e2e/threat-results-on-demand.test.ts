import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASES } from "../support/databases.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { threatApi } from "../support/threat-api.js";

/** The tables of the four kinds of threat results. */
const RESULT_TABLES = ["file_analyses", "url_analyses", "email_analyses", "attk_collections"] as const;

/**
 * A case's threat results are read kind by kind, only for the kinds the query selects: a dashboard that
 * shows files and URLs runs no statement on e-mails or ATTK logs. A mutation's answer still carries
 * every kind it read.
 */
describe.each(DATABASES)("threat results read on demand, on %s", (database) => {
  let graph: TestGraph;
  let api: ReturnType<typeof threatApi>;
  let customer: string;
  let caseId: string;
  /** SQL statements of the threat-analysis subgraph, recorded only while a test reads them. */
  let statements: string[] | undefined;

  beforeAll(async () => {
    graph = await startGraph({ database, onQuery: (subgraph, sql) => void (subgraph === "threat-analysis" && statements?.push(sql)) });
    api = threatApi(graph);
    customer = await graph.tokenFor("customer@acme.example");
    caseId = await api.createThreatCase(customer, "INFECTION_ANALYSIS");
    const file = await api.uploadZip(customer, caseId, "dropper.zip");
    const submitted = await api.submit(customer, { caseId, attachmentIds: [file.id], urls: ["http://bad.example/payload"] });
    expect(submitted.errors).toBeUndefined();
    // The mutation's answer carries all four kinds, read after the change.
    const answered = submitted.data!.submitForAnalysis.threatAnalysis;
    expect(answered.files.map((f: { fileName: string }) => f.fileName)).toEqual(["dropper.zip"]);
  });
  afterAll(() => graph?.stop());

  async function tablesRead(selection: string): Promise<{ data: any; tables: string[] }> {
    statements = [];
    const response = await graph.request({ query: `query($id: ID!) { case(id: $id) { id threatAnalysis { ${selection} } } }`, variables: { id: caseId }, token: customer });
    const read = statements;
    statements = undefined;
    expect(response.errors).toBeUndefined();
    return { data: response.data!.case.threatAnalysis, tables: RESULT_TABLES.filter((table) => read.some((sql) => sql.includes(table))) };
  }

  it("reads only the file analyses when the query selects only files", async () => {
    const { data, tables } = await tablesRead("files { fileName verdict }");
    expect(data).toEqual({ files: [{ fileName: "dropper.zip", verdict: "ANALYZING" }] });
    expect(tables).toEqual(["file_analyses"]);
  });

  it("reads files and URLs, and no e-mails or ATTK logs, for the dashboard's selection", async () => {
    const { data, tables } = await tablesRead("files { fileName } urls { url rating }");
    expect(data).toEqual({ files: [{ fileName: "dropper.zip" }], urls: [{ url: "http://bad.example/payload", rating: "UNRATED" }] });
    expect(tables).toEqual(["file_analyses", "url_analyses"]);
  });

  it("reads every kind when the query selects every kind", async () => {
    const { data, tables } = await tablesRead("files { fileName } urls { url } emails { name } attk { fileName }");
    expect(data).toEqual({ files: [{ fileName: "dropper.zip" }], urls: [{ url: "http://bad.example/payload" }], emails: [], attk: [] });
    expect(tables).toEqual([...RESULT_TABLES]);
  });
});
