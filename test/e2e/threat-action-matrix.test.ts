import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASES } from "../support/databases.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { ATTK_ACTION_TABLE, FILE_ACTION_TABLE, offeredActions, THREAT_CATEGORIES } from "../support/threat-action-table.js";
import { errorCode, threatApi } from "../support/threat-api.js";

const sorted = (values: string[]) => [...values].sort();

/**
 * Rule 9 through the whole graph: for every verdict (and ATTK state) × threat category × action,
 * `availableActions` shows exactly the hand-written table's cell, and the request mutation accepts
 * exactly those and answers ACTION_NOT_AVAILABLE for the rest, storing nothing for them.
 */
describe.each(DATABASES)("the action matrix through the gateway on %s", (database) => {
  let graph: TestGraph;
  let api: ReturnType<typeof threatApi>;
  let customer: string;
  let engineer: string;
  /** Per category: its case and the result ids by verdict / ATTK state. */
  const fixtures = new Map<string, { caseId: string; files: Record<string, string>; attk: Record<string, string> }>();

  beforeAll(async () => {
    // Fifteen uploads of one customer run side by side here: the per-caller upload cap is not what this file tests.
    graph = await startGraph({ database, env: { MAX_CONCURRENT_UPLOADS_PER_PRINCIPAL: "20" } });
    api = threatApi(graph);
    customer = await graph.tokenFor("customer@acme.example");
    engineer = await graph.tokenFor("engineer@support.example");
    // One case per category, prepared side by side.
    const prepare = async (category: (typeof THREAT_CATEGORIES)[number]) => {
      const caseId = await api.createThreatCase(customer, category);
      const staged = await Promise.all(["no-problem.zip", "dangerous.zip", "analyzing.zip"].map((name) => api.uploadZip(customer, caseId, name)));
      const submitted = await api.submit(customer, { caseId, attachmentIds: staged.map((f) => f.id) });
      if (submitted.errors) throw new Error(JSON.stringify(submitted.errors));
      const byName = new Map<string, string>(submitted.data!.submitForAnalysis.threatAnalysis.files.map((f: any) => [f.fileName, f.id]));
      const files = { NO_PROBLEM: byName.get("no-problem.zip")!, DANGEROUS: byName.get("dangerous.zip")!, ANALYZING: byName.get("analyzing.zip")! };
      await api.recordFileVerdict(engineer, { fileAnalysisId: files.NO_PROBLEM, verdict: "NO_PROBLEM", patternVersion: "19.101.00" });
      await api.recordFileVerdict(engineer, { fileAnalysisId: files.DANGEROUS, verdict: "DANGEROUS", detectionName: "TROJ_TEST.A", patternVersion: "19.101.00" });
      await api.recordAttkFile(engineer, { caseId, fileName: "collected.log", collected: true });
      const last = await api.recordAttkFile(engineer, { caseId, fileName: "missing.log", collected: false });
      if (last.errors) throw new Error(JSON.stringify(last.errors));
      const attkByName = new Map<string, string>(last.data!.recordAttkFile.threatAnalysis.attk.map((a: any) => [a.fileName, a.id]));
      fixtures.set(category, { caseId, files, attk: { collected: attkByName.get("collected.log")!, "not collected": attkByName.get("missing.log")! } });
    };
    await Promise.all(THREAT_CATEGORIES.map(prepare));
  });
  afterAll(() => graph?.stop());

  it.each(THREAT_CATEGORIES)("file results on %s cases offer and accept exactly the table's actions", async (category) => {
    const { caseId, files } = fixtures.get(category)!;
    const shown = new Map<string, string[]>((await api.analysisOf(customer, caseId)).files.map((f: any) => [f.id, f.availableActions]));
    for (const [verdict, id] of Object.entries(files)) {
      expect(sorted(shown.get(id)!), `availableActions of ${verdict}`).toEqual(sorted(offeredActions(FILE_ACTION_TABLE, verdict, category)));
    }
    const cells = FILE_ACTION_TABLE.filter((c) => c.category === category);
    const answers = await Promise.all(cells.map((cell) => api.requestFileAction(customer, { fileAnalysisId: files[cell.row], action: cell.action, comment: "Please check." })));
    cells.forEach((cell, i) => expect(errorCode(answers[i]!), `${cell.action} on ${cell.row}`).toBe(cell.offered ? undefined : "ACTION_NOT_AVAILABLE"));
    const requested = new Map<string, string[]>((await api.analysisOf(engineer, caseId)).files.map((f: any) => [f.id, f.requests.map((r: any) => r.action)]));
    for (const [verdict, id] of Object.entries(files)) {
      expect(sorted(requested.get(id)!), `requests stored on ${verdict}`).toEqual(sorted(offeredActions(FILE_ACTION_TABLE, verdict, category)));
    }
  });

  it.each(THREAT_CATEGORIES)("ATTK results on %s cases offer and accept exactly the table's actions", async (category) => {
    const { caseId, attk } = fixtures.get(category)!;
    const shown = new Map<string, string[]>((await api.analysisOf(customer, caseId)).attk.map((a: any) => [a.id, a.availableActions]));
    for (const [state, id] of Object.entries(attk)) {
      expect(sorted(shown.get(id)!), `availableActions of ${state}`).toEqual(sorted(offeredActions(ATTK_ACTION_TABLE, state, category)));
    }
    const cells = ATTK_ACTION_TABLE.filter((c) => c.category === category);
    const answers = await Promise.all(cells.map((cell) => api.requestAttkAction(customer, { attkCollectionId: attk[cell.row], action: cell.action, comment: "The first collection missed files." })));
    cells.forEach((cell, i) => expect(errorCode(answers[i]!), `${cell.action} on ${cell.row}`).toBe(cell.offered ? undefined : "ACTION_NOT_AVAILABLE"));
    const requested = new Map<string, string[]>((await api.analysisOf(engineer, caseId)).attk.map((a: any) => [a.id, a.requests.map((r: any) => r.action)]));
    for (const [state, id] of Object.entries(attk)) {
      expect(sorted(requested.get(id)!), `requests stored on ${state}`).toEqual(sorted(offeredActions(ATTK_ACTION_TABLE, state, category)));
    }
  });
});
