import { randomUUID } from "node:crypto";
import DataLoader from "dataloader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDataSource, type TestDataSource } from "../../../test/support/data-source.js";
import { DATABASES } from "../../../test/support/databases.js";
import { PRINCIPALS } from "../../../test/support/principals.js";
import { ATTK_ACTION_TABLE, FILE_ACTION_TABLE, type MatrixCell, offeredActions, THREAT_CATEGORIES } from "../../../test/support/threat-action-table.js";
import type { CaseAccess } from "../../kit/case-access-client.js";
import type { Principal } from "../../kit/principal.js";
import type { AttachmentFacts } from "../attachment/attachment-facts.client.js";
import { AttkCollectionEntity } from "../attk-collection/attk-collection.entity.js";
import { FileAnalysisEntity } from "../file-analysis/file-analysis.entity.js";
import { threatsMigrations } from "../migrations/index.js";
import { ThreatAnalysisService } from "../threat-analysis/threat-analysis.service.js";
import { type AttkAction, FileAction, FileVerdict, ThreatCategory } from "../threat.enums.js";
import { threatsEntities } from "../threats-subgraph.js";
import type { ThreatsRequest } from "../threats.request.js";
import { AnalysisRequestEntity } from "./analysis-request.entity.js";
import { AnalysisRequestService } from "./analysis-request.service.js";

const sorted = (values: readonly string[]) => [...values].sort();

/**
 * Rule 9 in the service the resolvers call: for every verdict (and ATTK state) x threat category x
 * action, what `availableActions` offers is the hand-written table's cell, the request is accepted
 * exactly when offered (ACTION_NOT_AVAILABLE otherwise) and only accepted requests are stored.
 * The gateway's side of it (the fields, the error code on the wire) is in test/e2e/threat-analysis-flow.test.ts.
 */
describe.each(DATABASES)("the action matrix in the analysis request service on %s", (database) => {
  let db: TestDataSource;
  let analysis: ThreatAnalysisService;
  let requests: AnalysisRequestService;
  /** What the cases and attachments subgraphs would answer: open THREAT cases of acme, files uploaded to them. */
  const cases = new Map<string, CaseAccess>();
  const uploads = new Map<string, AttachmentFacts>();
  /** Per category: its case and the result ids by verdict / ATTK state. */
  const fixtures = new Map<string, { caseId: string; files: Record<"NO_PROBLEM" | "DANGEROUS" | "ANALYZING", string>; attk: Record<string, string> }>();

  /** One request of `principal`, with loaders that answer from the maps above instead of over HTTP. */
  const requestOf = (principal: Principal): ThreatsRequest => ({
    principal,
    loaders: {
      caseAccess: new DataLoader(async (ids: readonly string[]) => ids.map((id) => cases.get(id) ?? null)),
      attachmentFacts: new DataLoader(async (ids: readonly string[]) => ids.map((id) => uploads.get(id) ?? null)),
    },
  });
  const customer = () => requestOf(PRINCIPALS.acme);
  const engineer = () => requestOf(PRINCIPALS.engineer);

  beforeAll(async () => {
    db = await openTestDataSource(database, { entities: threatsEntities, migrations: threatsMigrations });
    analysis = new ThreatAnalysisService(db.dataSource);
    requests = new AnalysisRequestService(db.dataSource);
    for (const category of THREAT_CATEGORIES) {
      const caseId = randomUUID();
      cases.set(caseId, { id: caseId, organizationId: "acme", inquiryType: "THREAT", threatCategory: category, status: "OPEN", severity: "MEDIUM" });
      const attachmentIds = ["no-problem.zip", "dangerous.zip", "analyzing.zip"].map((fileName) => {
        const id = randomUUID();
        uploads.set(id, { id, caseId, fileName, sha1: "a".repeat(40), state: "ATTACHED", entryNames: null });
        return id;
      });
      const submitted = await analysis.submitForAnalysis(customer(), { caseId, attachmentIds });
      const byName = new Map(submitted.files.map((file) => [file.fileName, file.id]));
      const files = { NO_PROBLEM: byName.get("no-problem.zip")!, DANGEROUS: byName.get("dangerous.zip")!, ANALYZING: byName.get("analyzing.zip")! };
      await analysis.recordFileVerdict(engineer(), { fileAnalysisId: files.NO_PROBLEM, verdict: FileVerdict.NO_PROBLEM, patternVersion: "19.101.00" });
      await analysis.recordFileVerdict(engineer(), { fileAnalysisId: files.DANGEROUS, verdict: FileVerdict.DANGEROUS, detectionName: "TROJ_TEST.A", patternVersion: "19.101.00" });
      await analysis.recordAttkFile(engineer(), { caseId, fileName: "collected.log", collected: true });
      const recorded = await analysis.recordAttkFile(engineer(), { caseId, fileName: "missing.log", collected: false });
      const attkByName = new Map(recorded.attk.map((attk) => [attk.fileName, attk.id]));
      fixtures.set(category, { caseId, files, attk: { collected: attkByName.get("collected.log")!, "not collected": attkByName.get("missing.log")! } });
    }
  });
  afterAll(() => db?.close());

  /** Actions stored for a result, as the engineer's list shows them. */
  const storedActions = async (subjectId: string) => (await db.dataSource.getRepository(AnalysisRequestEntity).findBy({ subjectId })).map((row) => row.action);

  /** Expects `submit` to be accepted for an offered cell and refused with ACTION_NOT_AVAILABLE otherwise. */
  async function expectAnswer(cell: MatrixCell, submit: () => Promise<unknown>) {
    const label = `${cell.action} on ${cell.row}`;
    if (cell.offered) await expect(submit(), label).resolves.toBeDefined();
    else await expect(submit(), label).rejects.toMatchObject({ extensions: { code: "ACTION_NOT_AVAILABLE" } });
  }

  it.each(THREAT_CATEGORIES)("file results on %s cases offer and accept exactly the table's actions", async (category) => {
    const { files } = fixtures.get(category)!;
    for (const [verdict, id] of Object.entries(files)) {
      const file = await db.dataSource.getRepository(FileAnalysisEntity).findOneByOrFail({ id });
      expect(sorted(await requests.fileActionsOffered(customer(), file)), `availableActions of ${verdict}`).toEqual(sorted(offeredActions(FILE_ACTION_TABLE, verdict, category)));
    }
    for (const cell of FILE_ACTION_TABLE.filter((c) => c.category === category)) {
      const fileAnalysisId = files[cell.row as keyof typeof files];
      await expectAnswer(cell, () => requests.requestFileAction(customer(), { fileAnalysisId, action: cell.action as FileAction, comment: "Please check." }));
    }
    for (const [verdict, id] of Object.entries(files)) {
      expect(sorted(await storedActions(id)), `requests stored on ${verdict}`).toEqual(sorted(offeredActions(FILE_ACTION_TABLE, verdict, category)));
    }
  });

  it.each(THREAT_CATEGORIES)("ATTK results on %s cases offer and accept exactly the table's actions", async (category) => {
    const { attk } = fixtures.get(category)!;
    for (const [state, id] of Object.entries(attk)) {
      const row = await db.dataSource.getRepository(AttkCollectionEntity).findOneByOrFail({ id });
      expect(sorted(await requests.attkActionsOffered(customer(), row)), `availableActions of ${state}`).toEqual(sorted(offeredActions(ATTK_ACTION_TABLE, state, category)));
    }
    for (const cell of ATTK_ACTION_TABLE.filter((c) => c.category === category)) {
      const attkCollectionId = attk[cell.row]!;
      await expectAnswer(cell, () => requests.requestAttkAction(customer(), { attkCollectionId, action: cell.action as AttkAction, comment: "The first collection missed files." }));
    }
    for (const [state, id] of Object.entries(attk)) {
      expect(sorted(await storedActions(id)), `requests stored on ${state}`).toEqual(sorted(offeredActions(ATTK_ACTION_TABLE, state, category)));
    }
  });

  it("offers nothing and accepts nothing once the case is closed", async () => {
    const { caseId, files } = fixtures.get(ThreatCategory.INFECTION_ANALYSIS)!;
    const open = cases.get(caseId)!;
    cases.set(caseId, { ...open, status: "CLOSED" });
    try {
      const file = await db.dataSource.getRepository(FileAnalysisEntity).findOneByOrFail({ id: files.DANGEROUS });
      expect(await requests.fileActionsOffered(customer(), file)).toEqual([]);
      const before = await storedActions(files.DANGEROUS);
      await expect(requests.requestFileAction(customer(), { fileAnalysisId: files.DANGEROUS, action: FileAction.REQUEST_REANALYSIS, comment: "Again, please." })).rejects.toMatchObject({
        extensions: { code: "CASE_CLOSED" },
      });
      expect(await storedActions(files.DANGEROUS)).toEqual(before);
    } finally {
      cases.set(caseId, open);
    }
  });
});
