import type { DataSource, EntityManager } from "typeorm";
import { actorOf } from "../../kit/actor.js";
import { CaseActivityKind } from "../../kit/case-activity-protocol.js";
import { type Clock, systemClock } from "../../kit/clock.js";
import { inTransaction, writeLock } from "../../kit/transaction.js";
import { AttkCollectionEntity } from "../attk-collection/attk-collection.entity.js";
import { activityActor, recordCaseActivity } from "../case-activity/case-activity.outbox.js";
import { FileAnalysisEntity } from "../file-analysis/file-analysis.entity.js";
import { appendVerdict } from "../file-analysis/file-verdict.js";
import { openThreatCase } from "../threat-analysis/case-gate.js";
import { findVisibleResult } from "../threat-analysis/visible-result.js";
import { AnalysisRequestState, FileAction } from "../threat.enums.js";
import type { ThreatsRequest } from "../threats.request.js";
import { AnalysisRequestEntity } from "./analysis-request.entity.js";
import type { AnswerAnalysisRequestInput, StartAnalysisRequestInput } from "./analysis-request.input.js";
import * as rules from "./analysis-request.rules.js";
import { actorColumns } from "./optional-actor.js";

/** Whether a request's action is one on a file result (else it is on an ATTK collection). */
export function isFileAction(action: string): boolean {
  return (Object.values(FileAction) as string[]).includes(action);
}

/**
 * Engineers work the customers' requests: start one (SUBMITTED → IN_PROGRESS) and answer it (DONE
 * with the action's outcome, recorded on the result, or REJECTED), always with a response for the
 * customer. Each transition is decided on the locked rows (the result first, then the request: the
 * order `submitRequest` takes them in too) and written with its case activity in one transaction.
 */
export class AnalysisRequestLifecycle {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock = systemClock,
  ) {}

  async start(request: ThreatsRequest, input: StartAnalysisRequestInput): Promise<AnalysisRequestEntity> {
    rules.requireEngineerForRequests(request.principal);
    const found = await findVisibleResult(this.dataSource, request.principal, AnalysisRequestEntity, input.requestId, "AnalysisRequest");
    rules.checkStart(found.id, found.state, input.expectedState);
    await openThreatCase(request, found.caseId, "requestId");
    const now = this.clock();
    return inTransaction(this.dataSource, async (tx) => {
      const { subject, row } = await this.lock(tx, found);
      rules.checkStart(row.id, row.state, input.expectedState);
      await tx.update(AnalysisRequestEntity, { id: row.id }, { state: AnalysisRequestState.IN_PROGRESS, startedAt: now, startedBy: actorColumns(actorOf(request.principal)) });
      await recordCaseActivity(tx, {
        caseId: row.caseId,
        organizationId: row.organizationId,
        kind: CaseActivityKind.REQUEST_STARTED,
        actor: activityActor(request.principal),
        at: now,
        details: { requestId: row.id, action: row.action, subjectName: subject.fileName },
      });
      return tx.findOneByOrFail(AnalysisRequestEntity, { id: row.id });
    });
  }

  async answer(request: ThreatsRequest, input: AnswerAnalysisRequestInput): Promise<AnalysisRequestEntity> {
    rules.requireEngineerForRequests(request.principal);
    const found = await findVisibleResult(this.dataSource, request.principal, AnalysisRequestEntity, input.requestId, "AnalysisRequest");
    rules.checkAnswer(found.id, found.state, input.expectedState);
    const response = rules.responseText(input.response);
    const outcome = rules.answerOutcome(found.action, input.state, input.outcome);
    await openThreatCase(request, found.caseId, "requestId");
    const now = this.clock();
    const engineer = actorOf(request.principal);
    return inTransaction(this.dataSource, async (tx) => {
      const { subject, row } = await this.lock(tx, found);
      rules.checkAnswer(row.id, row.state, input.expectedState);
      const summary = outcome ? rules.outcomeSummary(outcome) : null;
      if (outcome && subject instanceof FileAnalysisEntity) {
        const { values, newVerdict } = rules.fileOutcomeChanges(subject, outcome, now);
        await tx.update(FileAnalysisEntity, { id: subject.id }, values);
        if (newVerdict) await appendVerdict(tx, subject, { ...subject, ...values }, engineer, now, row.id);
      } else if (outcome) {
        await tx.update(AttkCollectionEntity, { id: subject.id }, rules.attkOutcomeChanges(outcome, now));
      }
      await tx.update(AnalysisRequestEntity, { id: row.id }, { state: input.state as unknown as AnalysisRequestState, respondedAt: now, respondedBy: actorColumns(engineer), response, outcome: summary });
      await recordCaseActivity(tx, {
        caseId: row.caseId,
        organizationId: row.organizationId,
        kind: CaseActivityKind.REQUEST_ANSWERED,
        actor: activityActor(request.principal),
        at: now,
        details: { requestId: row.id, action: row.action, subjectName: subject.fileName, state: input.state, response, outcome: summary, ...searchTermsOf(outcome) },
      });
      return tx.findOneByOrFail(AnalysisRequestEntity, { id: row.id });
    });
  }

  /** The request's result and then the request itself, both locked for the rest of `tx`. */
  private async lock(tx: EntityManager, found: AnalysisRequestEntity): Promise<{ subject: FileAnalysisEntity | AttkCollectionEntity; row: AnalysisRequestEntity }> {
    const lock = writeLock(this.dataSource);
    const subject = isFileAction(found.action)
      ? await tx.findOneOrFail(FileAnalysisEntity, { where: { id: found.subjectId }, ...lock })
      : await tx.findOneOrFail(AttkCollectionEntity, { where: { id: found.subjectId }, ...lock });
    const row = await tx.findOneOrFail(AnalysisRequestEntity, { where: { id: found.id }, ...lock });
    return { subject, row };
  }
}

/** What the answer recorded that the case's search finds it by (case-activity-protocol.ts): a detection name, a virus information URL. */
function searchTermsOf(outcome: rules.Outcome | null): Record<string, string> {
  if (outcome && "detectionName" in outcome && outcome.detectionName) return { detectionName: outcome.detectionName };
  if (outcome && "virusInfoUrl" in outcome) return { urls: outcome.virusInfoUrl };
  return {};
}
