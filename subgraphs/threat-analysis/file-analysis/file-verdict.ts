import { randomUUID } from "node:crypto";
import type { EntityManager } from "typeorm";
import type { Actor } from "../../kit/actor.js";
import type { FileVerdict } from "../threat.enums.js";
import type { FileAnalysisEntity } from "./file-analysis.entity.js";
import { FileVerdictEntity } from "./file-verdict.entity.js";

/** What a verdict consists of. */
export interface VerdictValues {
  verdict: FileVerdict;
  detectionName: string | null;
  patternVersion: string | null;
}

/** Whether two verdicts differ in anything the history shows. */
export function verdictChanged(before: VerdictValues, after: VerdictValues): boolean {
  return before.verdict !== after.verdict || before.detectionName !== after.detectionName || before.patternVersion !== after.patternVersion;
}

/**
 * Adds `values`, as recorded on `file` by `by` at `at`, to the file's verdict history, inside the
 * transaction `tx` that changes the file itself, while it holds the file's row lock (which orders the
 * history's sequence numbers). `requestId`: the request whose answer recorded it.
 */
export async function appendVerdict(tx: EntityManager, file: FileAnalysisEntity, values: VerdictValues, by: Actor, at: Date, requestId: string | null = null): Promise<void> {
  const sequence = (await tx.count(FileVerdictEntity, { where: { fileAnalysisId: file.id } })) + 1;
  await tx.insert(
    FileVerdictEntity,
    Object.assign(new FileVerdictEntity(), {
      id: randomUUID(),
      caseId: file.caseId,
      organizationId: file.organizationId,
      threatCategory: file.threatCategory,
      fileAnalysisId: file.id,
      sequence,
      verdict: values.verdict,
      detectionName: values.detectionName,
      patternVersion: values.patternVersion,
      recordedAt: at,
      recordedBy: by,
      requestId,
    }),
  );
}
