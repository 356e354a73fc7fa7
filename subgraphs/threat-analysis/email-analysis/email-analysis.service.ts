import { randomUUID } from "node:crypto";
import type { DataSource } from "typeorm";
import { actorOf } from "../../kit/actor.js";
import { CaseActivityKind } from "../../kit/case-activity-protocol.js";
import { type Clock, systemClock } from "../../kit/clock.js";
import { badInput } from "../../kit/errors.js";
import { inTransaction, writeLock } from "../../kit/transaction.js";
import { activityActor, recordCaseActivity } from "../case-activity/case-activity.outbox.js";
import { FileAnalysisEntity } from "../file-analysis/file-analysis.entity.js";
import { appendVerdict, verdictChanged } from "../file-analysis/file-verdict.js";
import { openThreatCase } from "../threat-analysis/case-gate.js";
import * as rules from "../threat-analysis/threat-analysis.rules.js";
import type { ThreatAnalysisService } from "../threat-analysis/threat-analysis.service.js";
import type { ThreatResults } from "../threat-analysis/threat-analysis.types.js";
import { FileVerdict } from "../threat.enums.js";
import type { ThreatsRequest } from "../threats.request.js";
import { EmailAnalysisEntity } from "./email-analysis.entity.js";
import type { RecordEmailFileInput } from "./email-analysis.input.js";
import { emailFileLabel, sha1Of } from "./email-analysis.rules.js";

/**
 * Files attached to e-mails (Eメール内に添付されているファイル, docs/domain.md "Files attached to
 * e-mails"): engineers record each attached file's result under its e-mail; it is a FileAnalysis like
 * any other (verdict, detection name, pattern version, the customer's requests), listed on the case and
 * under its e-mail (`EmailAnalysis.files`, `FileAnalysis.email`).
 */
export class EmailAnalysisService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly analysis: Pick<ThreatAnalysisService, "resultsOf">,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Records the result of `fileName` attached to the case's e-mail `emailName`: added the first time,
   * updated after (its SHA-1 and verdict). The e-mail must exist (submitted, or recorded with
   * `recordEmailVerdict`): an unknown name is BAD_USER_INPUT on `emailName`, so that a typo never
   * makes a second e-mail. A change is written with its verdict history and the case's activity.
   */
  async recordEmailFile(request: ThreatsRequest, input: RecordEmailFileInput): Promise<ThreatResults> {
    rules.requireEngineer(request.principal);
    const emailName = rules.requiredText("emailName", input.emailName, rules.LIMITS.name);
    const fileName = rules.requiredText("fileName", input.fileName, rules.LIMITS.fileName);
    const sha1 = sha1Of(input.sha1);
    const verdict = rules.fileVerdictOf(input);
    const threatCase = await openThreatCase(request, input.caseId);
    const now = this.clock();
    const analyzedAt = verdict.verdict === FileVerdict.ANALYZING ? null : now;
    await inTransaction(this.dataSource, async (tx) => {
      const lock = writeLock(this.dataSource);
      const email = await tx.findOne(EmailAnalysisEntity, { where: { caseId: threatCase.id, name: emailName }, ...lock });
      if (!email) throw badInput("emailName", `the case has no e-mail named ${JSON.stringify(emailName.slice(0, 100))}`);
      const existing = await tx.findOne(FileAnalysisEntity, { where: { emailAnalysisId: email.id, fileName }, ...lock });
      let file: FileAnalysisEntity;
      if (existing) {
        if (!verdictChanged(existing, verdict) && existing.sha1 === sha1) return;
        await tx.update(FileAnalysisEntity, { id: existing.id }, { sha1, ...verdict, analyzedAt });
        file = existing;
      } else {
        file = Object.assign(new FileAnalysisEntity(), {
          id: randomUUID(),
          caseId: threatCase.id,
          organizationId: threatCase.organizationId,
          threatCategory: threatCase.threatCategory,
          fileName,
          sha1,
          ...verdict,
          analyzedAt,
          attachmentId: null,
          emailAnalysisId: email.id,
          createdAt: now,
        });
        await tx.insert(FileAnalysisEntity, file);
      }
      await appendVerdict(tx, file, verdict, actorOf(request.principal), now);
      await recordCaseActivity(tx, {
        caseId: threatCase.id,
        organizationId: threatCase.organizationId,
        kind: CaseActivityKind.RESULT_RECORDED,
        actor: activityActor(request.principal),
        at: now,
        details: { resultType: "FILE", name: emailFileLabel(emailName, fileName), oldValue: existing?.verdict ?? null, newValue: verdict.verdict, detectionName: verdict.detectionName },
      });
    });
    return this.analysis.resultsOf(request.principal, threatCase.id);
  }
}
